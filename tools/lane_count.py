"""Instructions executed per contract by the scalar and the two-lane vector kernels on
aarch64, counted under qemu (`make test-cross`): `qemu-aarch64 -d in_asm,exec,nochain` logs
every translated block once with its instructions and every execution of a block; the sum
over executions, less that of a run without any kernel, over the 4,000 contracts of
`lane_ratio count`. Unlike time under emulation (where a two-lane instruction costs about
two scalar ones, each lane through the emulator's soft float), this is what the kernels ask
of the CPU. A block retranslated with another length counts with its last length (rare in
a single-threaded run). Usage: python3 tools/lane_count.py QEMU_PREFIX BINARY (QEMU_PREFIX: the qemu
command and its -L option, as one string)."""

import os
import re
import shlex
import subprocess
import sys
import tempfile

qemu, binary = shlex.split(sys.argv[1]), sys.argv[2]
N = 4000  # the contracts of `lane_ratio count` (tools/lane_ratio.rs)


def executed(kernel):
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "log")
        subprocess.run(qemu + ["-d", "in_asm,exec,nochain", "-D", log, binary, "count", kernel],
                       check=True, stdout=subprocess.DEVNULL)
        size, start, total = {}, None, 0
        with open(log, errors="replace") as f:
            for line in f:
                if line.startswith("IN:"):
                    start = None
                    continue
                m = re.match(r"0x([0-9a-f]+):\s", line)
                if m:
                    pc = int(m.group(1), 16)
                    if start is None:
                        start = pc
                        size[start] = 0
                    size[start] += 1
                    continue
                if not line.strip():
                    start = None
                    continue
                m = re.match(r"Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/", line)
                if m:
                    total += size.get(int(m.group(1), 16), 0)
        if total == 0:
            sys.exit("lane_count: no instructions counted (qemu's log has no disassembly?)")
        return total


base = executed("none")
rows = {}
for what in ("price", "greeks", "implied"):
    scalar = (executed(f"{what}-scalar") - base) / N
    vector = (executed(f"{what}-vector") - base) / N
    rows[what] = (scalar, vector)
    print(f"aarch64 instructions per contract, {what}: scalar {scalar:.0f}, two-lane NEON "
          f"{vector:.0f}: {scalar / vector:.2f}x fewer")
