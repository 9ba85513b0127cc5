"""The crate's import graph has no circle: no two folders (layers) under src/, and no set of
modules, import each other through `crate::` paths outside tests.

Files a kernel layer includes (`include!`) count as part of the module that includes them;
`lanes/lane_*.rs`, `lanes_array.rs`, `lanes_neon.rs`, `one_lane.rs`, `simd_plain.rs` and `simd_pair.rs` are
only read that way. Test modules (`#[cfg(test)] mod ...` to the end of the file) and
`#[cfg(test)]` items are left out. Run by `make test`; exits 1 and names the circle.

`super::name` in a module's file counts as the sibling module `name` (or the parent). What
it does not see: a child module named from its parent (as `implied` calls its own `lane1`)
and `use crate::{a, b}` groups (none in the crate); a module and its own children are one
layer.
"""

import os
import re
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else "src"
INCLUDED_ONLY = ("lane_", "lanes_array", "lanes_neon", "one_lane", "simd_plain", "simd_pair")


def strip_tests(text):
    text = re.sub(r"#\[cfg\(test\)\]\s*\n\s*(pub(\([a-z]+\))? )?fn [^\n]*\{.*?\n\}\n", "", text, flags=re.S)
    # an inline test module runs to the end of the file (`mod tests;` is only a declaration)
    m = re.search(r"#\[cfg\(test\)\]\nmod \w+ \{", text)
    return text if m is None else text[: m.start()]


def source(path):
    text = strip_tests(open(path).read())
    here = os.path.dirname(path)
    return re.sub(
        r'include!\("([^"]+)"\);',
        lambda m: source(os.path.normpath(os.path.join(here, m.group(1)))),
        text,
    )


# module name -> (folder, node): `crate::black` is pricing's black, and so on
modules = {}
files = []
for folder, _, names in os.walk(SRC):
    for name in names:
        if not name.endswith(".rs"):
            continue
        path = os.path.join(folder, name)
        rel = os.path.relpath(path, SRC).split(os.sep)
        if len(rel) == 1:
            layer = node = rel[0][:-3]
        else:
            layer = rel[0]
            node = rel[0] if name == "mod.rs" else f"{rel[0]}::{'::'.join(rel[1:])[:-3]}"
        if node in ("lib", "proptests", "testing"):
            continue
        if rel[0] == "lanes" and name.startswith(INCLUDED_ONLY):
            continue
        if name == "mod.rs" or len(rel) == 1:
            modules[layer] = (layer, node)
        files.append((path, layer, node))

# the names lib.rs re-exports at the root (`pub use pricing::{black, ...}`)
lib = open(os.path.join(SRC, "lib.rs")).read()
for m in re.finditer(r"use ([a-z_]+)::(\{[^}]*\}|[a-z_0-9]+);", lib):
    for name in re.findall(r"[a-z_0-9]+", m.group(2)):
        modules[name] = (m.group(1), f"{m.group(1)}::{name}")

edges = {}
for path, layer, node in files:
    for m in re.finditer(r"crate::([a-z_0-9]+)(?:::([a-z_0-9]+))?", source(path)):
        first, second = m.group(1), m.group(2)
        folder_file = os.path.join(SRC, first, f"{second}.rs") if second else ""
        if second and os.path.exists(folder_file):
            target = (first, f"{first}::{second}")
        else:
            target = modules.get(first)
        if target and target[1] != node:
            edges.setdefault(node, set()).add(target[1])
    # `super::name` in a module's own file (not a folder's mod.rs): a sibling module of that
    # folder where `name.rs` is one, else the folder's own module (the parent)
    rel = os.path.relpath(path, SRC).split(os.sep)
    if len(rel) >= 2 and rel[-1] != "mod.rs":
        folder = os.path.join(SRC, *rel[:-1])
        parent = "::".join(rel[:-1])
        for m in re.finditer(r"super::([a-z_0-9]+)", source(path)):
            sibling = os.path.join(folder, f"{m.group(1)}.rs")
            target = f"{parent}::{m.group(1)}" if os.path.exists(sibling) else parent
            if target != node:
                edges.setdefault(node, set()).add(target)


def layer_of(node):
    return node.split("::")[0] if "::" in node else next(
        (l for (l, n) in modules.values() if n == node), node)


def circles(graph):
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(set(graph) | {w for ws in graph.values() for w in ws}):
        if v not in index:
            visit(v)
    return found


layers = {}
for a, targets in edges.items():
    for b in targets:
        la, lb = layer_of(a), layer_of(b)
        if la != lb:
            layers.setdefault(la, set()).add(lb)
bad = [("modules", c) for c in circles(edges)] + [("folders", c) for c in circles(layers)]
for kind, c in bad:
    print(f"import circle among {kind}: {' <-> '.join(c)}")
if bad:
    sys.exit(1)
print(f"layers: no import circle among {len(edges)} importing modules and {len(layers)} importing folders")
