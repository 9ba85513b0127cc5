//! The batch engine: numpy broadcasting without materialising, chunked kernels, rayon.
//!
//! Inputs arrive as `ndarray` views of any shape and strides (negative, zero, Fortran order:
//! whatever numpy hands over, read in place). They are broadcast to the output shape as
//! views with zero strides, so a 4-D grid built from four 1-D axes costs only its output.
//! The flat C-order output is cut into chunks of `CHUNK` elements; for each chunk every
//! input's elements are gathered into a small stack buffer (or borrowed directly when the
//! input is already contiguous there), and a kernel maps contiguous input slices to
//! contiguous output slices. Kernels therefore never see strides, which is what lets them be
//! vectorised. Outputs of `PARALLEL_THRESHOLD` elements or more are split across the pool's threads in
//! blocks of `MIN_TASK` to `TASK` elements; each thread is the first to touch the output
//! pages it fills.

pub mod batch;
pub mod parallel;

use std::marker::PhantomData;

use ndarray::{ArrayViewD, IxDyn};

use crate::error::{PricingError, Result};

/// Elements per kernel call: eight inputs of this size fit in L1 together.
pub const CHUNK: usize = 256;
/// Elements per parallel task, at most ...
const TASK: usize = 16 * 1024;
/// ... and at least (mid-sized arrays are cut into about four tasks per thread).
const MIN_TASK: usize = 2 * CHUNK;
/// Below this many outputs the work stays on the calling thread. The caller takes tasks
/// itself and never waits for a helper that has not started (`parallel::run_tasks`), but
/// waking a pool thread that went to sleep since the last call costs the caller a system
/// call (14-22 us on our VMs) and the helper arrives 40-140 us later. Measured on
/// CSI-like prices, 2 threads against 1: calls 3 ms apart (the pool asleep) n = 1,000
/// 0.92x, 2,048 1.01x, 4,096 0.98-1.09x, 10,000 1.27-1.48x; alternating with numpy n = 1,000
/// 1.00-1.27x, 2,048 0.99-1.09x, 4,096 1.24-1.31x. From 2,048 the pool is no loss either way.
pub const PARALLEL_THRESHOLD: usize = 2 * 1024;

/// What one element of a kernel costs, in units of a price (the unit `PARALLEL_THRESHOLD`
/// is measured in): a call uses the pool from `PARALLEL_THRESHOLD / cost` elements, and
/// `SERIAL` keeps it on the calling thread. (5 M CSI-like contracts on one core: a price
/// 20 ns, price and nine greeks 37 ns, an implied vol 156 ns.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cost(pub usize);

impl Cost {
    pub const SERIAL: Cost = Cost(0);
    pub const PRICE: Cost = Cost(1);
    pub const GREEKS: Cost = Cost(2);
    /// From 256 elements: 1,000 implied vols took 263 us on two threads against 258 on one
    /// when the pool had slept 4 ms since the last call, 89 against 169 us back to back;
    /// 2,000 329 against 430 and 169 against 324 us.
    pub const IMPLIED_VOL: Cost = Cost(8);

    /// `self` if `parallel`, else `SERIAL`.
    pub fn on_pool(self, parallel: bool) -> Cost {
        if parallel { self } else { Cost::SERIAL }
    }
}

/// The broadcast shape of `shapes` under numpy's rules, or an error naming them.
pub fn broadcast_shape(shapes: &[&[usize]], names: &[&str]) -> Result<Vec<usize>> {
    let ndim = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut out = vec![1usize; ndim];
    for shape in shapes {
        let offset = ndim - shape.len();
        for (d, &n) in shape.iter().enumerate() {
            let o = &mut out[offset + d];
            if *o == 1 {
                *o = n;
            } else if n != 1 && n != *o {
                let described: Vec<String> = shapes.iter().map(|s| format_shape(s)).collect();
                return Err(PricingError::Shape {
                    shapes: described.join(", "),
                    names: names.join(", "),
                });
            }
        }
    }
    Ok(out)
}

/// A shape as numpy prints it: `(3,)`, `(2, 4)`, `()`.
pub fn format_shape(shape: &[usize]) -> String {
    match shape.len() {
        0 => "()".to_string(),
        1 => format!("({},)", shape[0]),
        _ => {
            let parts: Vec<String> = shape.iter().map(|n| n.to_string()).collect();
            format!("({})", parts.join(", "))
        }
    }
}

/// One input seen through the output's shape: base pointer and element strides, with axes
/// of length one dropped and mergeable axes merged.
#[derive(Clone)]
struct Strided<'a> {
    ptr: *const f64,
    strides: Vec<isize>,
    _borrow: PhantomData<&'a f64>,
}

// The pointer is only read, within the bounds the view guaranteed, while the view's borrow
// is alive ('a); f64 is Sync.
unsafe impl Send for Strided<'_> {}
unsafe impl Sync for Strided<'_> {}

/// The inputs of one broadcast call, prepared for chunked gathering.
struct Layout<'a> {
    shape: Vec<usize>,
    inputs: Vec<Strided<'a>>,
}

impl<'a> Layout<'a> {
    fn new(views: &[ArrayViewD<'a, f64>], shape: &[usize]) -> Option<Layout<'a>> {
        let mut out_shape: Vec<usize> = Vec::with_capacity(shape.len());
        let mut strides: Vec<Vec<isize>> = vec![Vec::with_capacity(shape.len()); views.len()];
        for (i, v) in views.iter().enumerate() {
            let b = v.broadcast(IxDyn(shape))?;
            for (d, &n) in shape.iter().enumerate() {
                if n != 1 {
                    strides[i].push(b.strides()[d]);
                }
            }
        }
        for &n in shape {
            if n != 1 {
                out_shape.push(n);
            }
        }
        // merge axis d into d+1 when every input steps through them as one axis
        let mut d = 0;
        while d + 1 < out_shape.len() {
            let inner = out_shape[d + 1] as isize;
            if strides.iter().all(|s| s[d] == s[d + 1] * inner) {
                out_shape[d + 1] *= out_shape[d];
                out_shape.remove(d);
                for s in strides.iter_mut() {
                    s.remove(d);
                }
            } else {
                d += 1;
            }
        }
        let inputs = views
            .iter()
            .zip(strides)
            .map(|(v, strides)| Strided {
                ptr: v.as_ptr(),
                strides,
                _borrow: PhantomData,
            })
            .collect();
        Some(Layout {
            shape: out_shape,
            inputs,
        })
    }

    /// How input `i` is read chunk by chunk: in place, as one repeated value, or gathered.
    fn access(&self, i: usize) -> Access {
        let strides = &self.inputs[i].strides;
        if strides.iter().all(|&st| st == 0) {
            // SAFETY: with every stride zero (or no axis at all) the view is its first
            // element repeated, and ptr points at it
            Access::Constant(unsafe { *self.inputs[i].ptr })
        } else if self.shape.len() == 1 && strides[0] == 1 {
            Access::InPlace
        } else {
            Access::Gathered
        }
    }

    /// The elements `start .. start + len` of input `i`, where `access` says `InPlace`.
    fn in_place(&self, i: usize, start: usize, len: usize) -> &'a [f64] {
        debug_assert!(self.shape.len() == 1 && self.inputs[i].strides[0] == 1);
        debug_assert!(start + len <= self.shape[0]);
        // SAFETY: a contiguous 1-D layout of shape[0] elements, start + len <= shape[0]
        // (chunks stay inside the output, which has the layout's shape)
        unsafe { std::slice::from_raw_parts(self.inputs[i].ptr.add(start), len) }
    }

    /// The elements `start .. start + buf.len()` (flat, C order) of input `i`, gathered
    /// into `buf`, where `access` says `Gathered` (so the layout has at least one axis:
    /// with none every input is `Constant`).
    fn gather<'b>(&self, i: usize, start: usize, buf: &'b mut [f64]) -> &'b [f64] {
        let input = &self.inputs[i];
        let len = buf.len();
        let ndim = self.shape.len();
        debug_assert!(ndim > 0);
        let inner = self.shape[ndim - 1];
        let inner_stride = input.strides[ndim - 1];
        let mut outer = start / inner;
        let mut j = start % inner;
        let mut filled = 0;
        while filled < len {
            let run = (inner - j).min(len - filled);
            // offset of element (outer, j): unravel `outer` over the leading axes
            let mut rest = outer;
            let mut offset: isize = j as isize * inner_stride;
            for d in (0..ndim - 1).rev() {
                let n = self.shape[d];
                offset += (rest % n) as isize * input.strides[d];
                rest /= n;
            }
            let dst = &mut buf[filled..filled + run];
            // SAFETY: (outer, j .. j + run) is inside the broadcast shape, so every offset
            // below addresses an element of the original view.
            unsafe {
                let p = input.ptr.offset(offset);
                match inner_stride {
                    0 => dst.fill(*p),
                    1 => dst.copy_from_slice(std::slice::from_raw_parts(p, run)),
                    st => {
                        for (m, v) in dst.iter_mut().enumerate() {
                            *v = *p.offset(m as isize * st);
                        }
                    }
                }
            }
            filled += run;
            j = 0;
            outer += 1;
        }
        buf
    }
}

/// How `for_each_chunk` reads an input (`Layout::access`).
#[derive(Clone, Copy)]
enum Access {
    /// contiguous in the output's order: borrowed
    InPlace,
    /// one value broadcast (a scalar argument): a buffer filled once per task
    Constant(f64),
    /// anything else: gathered into a buffer chunk by chunk
    Gathered,
}

/// A flat output that parallel tasks fill in disjoint ranges.
struct SharedOut<'a> {
    ptr: *mut f64,
    len: usize,
    _borrow: PhantomData<&'a mut [f64]>,
}

// Each task writes only its own range (see `range`), so sharing the pointer is sound.
unsafe impl Send for SharedOut<'_> {}
unsafe impl Sync for SharedOut<'_> {}

impl<'a> SharedOut<'a> {
    fn new(s: &'a mut [f64]) -> Self {
        SharedOut {
            ptr: s.as_mut_ptr(),
            len: s.len(),
            _borrow: PhantomData,
        }
    }

    /// SAFETY: callers must never hold two overlapping ranges at once.
    #[allow(clippy::mut_from_ref)]
    unsafe fn range(&self, start: usize, len: usize) -> &mut [f64] {
        debug_assert!(start + len <= self.len);
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(start), len) }
    }
}

/// Most outputs one call fills (price and nine greeks).
pub const MAX_OUTPUTS: usize = 10;

/// Broadcast `views` to `shape` and call `kernel(inputs, outputs)` chunk by chunk, where
/// `inputs[i]` are contiguous slices of input `i` and `outputs[o]` the matching slices of
/// `outputs[o]` (each a flat C-order buffer of the broadcast size). Large calls run on the
/// pool, how large depending on what an element costs (`Cost`).
pub fn for_each_chunk<const NI: usize, K>(
    views: &[ArrayViewD<'_, f64>; NI],
    shape: &[usize],
    outputs: &mut [&mut [f64]],
    cost: Cost,
    kernel: K,
) -> Result<()>
where
    K: Fn(&[&[f64]; NI], &mut [&mut [f64]]) + Sync,
{
    for_each_checked_chunk(views, shape, outputs, cost, |_| true, kernel).map(|_| ())
}

/// `for_each_chunk` that first asks `valid` about each chunk's inputs, while they are in
/// the cache for the kernel, and stops every task at the first chunk it refuses: `Ok(false)`
/// then, with the outputs partly written (so for outputs the caller throws away on error,
/// whose check is one pass over memory less). Every input element is in some chunk when the
/// output is not empty.
pub fn for_each_checked_chunk<const NI: usize, V, K>(
    views: &[ArrayViewD<'_, f64>; NI],
    shape: &[usize],
    outputs: &mut [&mut [f64]],
    cost: Cost,
    valid: V,
    kernel: K,
) -> Result<bool>
where
    V: Fn(&[&[f64]; NI]) -> bool + Sync,
    K: Fn(&[&[f64]; NI], &mut [&mut [f64]]) + Sync,
{
    let refused = std::sync::atomic::AtomicBool::new(false);
    let n: usize = shape.iter().product();
    if outputs.len() > MAX_OUTPUTS || outputs.iter().any(|o| o.len() != n) {
        return Err(PricingError::InvalidArgument(
            "internal: output buffers do not match the broadcast size".to_string(),
        ));
    }
    if n == 0 {
        return Ok(true);
    }
    let layout = Layout::new(views, shape).ok_or_else(|| PricingError::Shape {
        shapes: views
            .iter()
            .map(|v| format_shape(v.shape()))
            .collect::<Vec<_>>()
            .join(", "),
        names: String::new(),
    })?;
    let shared: Vec<SharedOut> = outputs.iter_mut().map(|o| SharedOut::new(o)).collect();

    let threads = if cost != Cost::SERIAL && n.saturating_mul(cost.0) >= PARALLEL_THRESHOLD {
        parallel::pool()?.current_num_threads()
    } else {
        1
    };
    let task = n
        .div_ceil(4 * threads)
        .next_multiple_of(CHUNK)
        .clamp(MIN_TASK, TASK);
    let access: [Access; NI] = std::array::from_fn(|i| layout.access(i));
    let run_task = |task_start: usize| {
        let task_end = (task_start + task).min(n);
        // buffers for the inputs not read in place, as long as the task's chunks (zeroing
        // a whole CHUNK for each input was a tenth of a one-element call); a broadcast
        // scalar's is filled once for the task
        let width = CHUNK.min(task_end - task_start).max(1);
        let buffered = access
            .iter()
            .filter(|a| !matches!(a, Access::InPlace))
            .count();
        let mut bufs = vec![0.0f64; buffered * width];
        let mut spare = bufs.chunks_mut(width);
        let mut slots: [Option<&mut [f64]>; NI] = std::array::from_fn(|i| match access[i] {
            Access::InPlace => None,
            Access::Constant(value) => {
                let mut buf = spare.next();
                if let Some(b) = buf.as_deref_mut() {
                    b.fill(value);
                }
                buf
            }
            Access::Gathered => spare.next(),
        });
        let mut start = task_start;
        while start < task_end {
            if refused.load(std::sync::atomic::Ordering::Relaxed) {
                return;
            }
            let len = CHUNK.min(task_end - start);
            let mut chunk_inputs: [&[f64]; NI] = [&[]; NI];
            for (i, ((input, slot), how)) in chunk_inputs
                .iter_mut()
                .zip(slots.iter_mut())
                .zip(access)
                .enumerate()
            {
                *input = match (how, slot) {
                    (Access::InPlace, _) => layout.in_place(i, start, len),
                    (Access::Constant(_), Some(buf)) => &buf[..len],
                    (Access::Gathered, Some(buf)) => layout.gather(i, start, &mut buf[..len]),
                    // not reached: every input not read in place has a buffer
                    (_, None) => &[],
                };
            }
            if !valid(&chunk_inputs) {
                refused.store(true, std::sync::atomic::Ordering::Relaxed);
                return;
            }
            let mut empty: [[f64; 0]; MAX_OUTPUTS] = [[]; MAX_OUTPUTS];
            let mut chunk_outputs: [&mut [f64]; MAX_OUTPUTS] = empty.each_mut().map(|e| &mut e[..]);
            for (o, out) in shared.iter().enumerate() {
                // SAFETY: tasks cover disjoint [task_start, task_end) ranges and chunks within
                // a task are disjoint, so no two live slices overlap.
                chunk_outputs[o] = unsafe { out.range(start, len) };
            }
            kernel(&chunk_inputs, &mut chunk_outputs[..shared.len()]);
            start += len;
        }
    };

    let tasks = n.div_ceil(task);
    if threads > 1 {
        // The calling thread works too, taking tasks from the same counter as `threads - 1`
        // helpers spawned on the pool: when the pool's threads are slow to wake (they sleep
        // once idle, and a notebook is idle between calls), the caller has done the work
        // meanwhile, so a parallel call is never much slower than a serial one.
        let pool = parallel::pool()?;
        parallel::run_tasks(&pool, threads - 1, tasks, &|t| run_task(t * task));
    } else {
        (0..tasks).for_each(|t| run_task(t * task));
    }
    Ok(!refused.load(std::sync::atomic::Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array, ArrayD, Axis};

    fn add3(views: &[ArrayViewD<f64>; 3], shape: &[usize], parallel: bool) -> ArrayD<f64> {
        let n: usize = shape.iter().product();
        let mut out = vec![f64::NAN; n];
        for_each_chunk(
            views,
            shape,
            &mut [&mut out[..]],
            Cost::PRICE.on_pool(parallel),
            |x, o| {
                for m in 0..o[0].len() {
                    o[0][m] = x[0][m] + 10.0 * x[1][m] + 100.0 * x[2][m];
                }
            },
        )
        .unwrap();
        ArrayD::from_shape_vec(IxDyn(shape), out).unwrap()
    }

    #[test]
    fn broadcasting_matches_ndarray() {
        let a = Array::linspace(0.0, 1.0, 7)
            .into_shape_with_order((7, 1, 1))
            .unwrap()
            .into_dyn();
        let b = Array::linspace(2.0, 3.0, 5)
            .into_shape_with_order((1, 5, 1))
            .unwrap()
            .into_dyn();
        let c_full = Array::linspace(4.0, 5.0, 33).into_dyn();
        let c = c_full
            .slice_axis(Axis(0), ndarray::Slice::new(0, None, 3))
            .into_dyn();
        let shape = broadcast_shape(&[a.shape(), b.shape(), c.shape()], &["a", "b", "c"]).unwrap();
        assert_eq!(shape, vec![7, 5, 11]);
        let got = add3(&[a.view(), b.view(), c.view()], &shape, false);
        let want = &a + &(&b * 10.0) + &(&c * 100.0);
        assert_eq!(got, want);
    }

    /// Scalars broadcast to a long 1-D output fill their buffer once per task; every chunk
    /// of every task must still see them, beside an input read in place.
    #[test]
    fn broadcast_scalars_reach_every_chunk() {
        crate::parallel::set_num_threads(2).unwrap();
        let n = 70_001;
        let a = Array::linspace(0.0, 1.0, n).into_dyn();
        let b = ndarray::arr0(2.0).into_dyn();
        let c = Array::from_elem(1, 3.0).into_dyn();
        for parallel in [false, true] {
            let got = add3(&[a.view(), b.view(), c.view()], &[n], parallel);
            let want = a.mapv(|v| v + 20.0 + 300.0);
            assert_eq!(got, want);
        }
    }

    #[test]
    fn negative_and_fortran_strides_are_read_in_place() {
        let base = Array::linspace(0.0, 59.0, 60)
            .into_shape_with_order((6, 10))
            .unwrap();
        let rev = base.slice(ndarray::s![..;-1, ..;2]); // negative outer, stride-2 inner
        let fortran = base.t(); // (10, 6), Fortran order
        let ones = ndarray::arr0(1.0);
        let shape = [6usize, 5];
        let got = add3(
            &[
                rev.into_dyn(),
                fortran.slice(ndarray::s![..;2, ..]).t().into_dyn(),
                ones.view().into_dyn(),
            ],
            &shape,
            false,
        );
        let want = &rev + &(&fortran.slice(ndarray::s![..;2, ..]).t() * 10.0) + 100.0;
        assert_eq!(got, want.into_dyn());
    }

    #[test]
    fn parallel_equals_serial_on_large_grids() {
        crate::parallel::set_num_threads(2).unwrap();
        let a = Array::linspace(0.0, 1.0, 300)
            .into_shape_with_order((300, 1))
            .unwrap()
            .into_dyn();
        let b = Array::linspace(0.0, 1.0, 401).into_dyn();
        let c = ndarray::arr0(0.5).into_dyn();
        let shape = [300usize, 401];
        let v = [a.view(), b.view(), c.view()];
        assert_eq!(add3(&v, &shape, true), add3(&v, &shape, false));
        // the task size follows n: every task boundary case around the threshold and clamps
        for n in [
            PARALLEL_THRESHOLD - 1,
            PARALLEL_THRESHOLD,
            PARALLEL_THRESHOLD + 1,
            5_003,
            10_000,
            4 * 2 * TASK + 3,
        ] {
            let a = Array::linspace(0.0, 1.0, n).into_dyn();
            let b = ndarray::arr0(2.0).into_dyn();
            let v = [a.view(), b.view(), c.view()];
            let got = add3(&v, &[n], true);
            assert_eq!(got, add3(&v, &[n], false), "n = {n}");
            assert_eq!(got[[n - 1]], 1.0 + 20.0 + 50.0, "n = {n}: the last element");
        }
    }

    #[test]
    fn shape_errors_name_the_shapes() {
        let e = broadcast_shape(&[&[3], &[4]], &["s", "k"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "shapes (3,), (4,) cannot be broadcast together (s, k)"
        );
    }

    #[test]
    fn empty_outputs_are_fine() {
        let a = ndarray::Array1::<f64>::zeros(0).into_dyn();
        let v = [a.view(), a.view(), a.view()];
        assert_eq!(add3(&v, &[0], true).len(), 0);
    }

    /// 2,000 elements stay on the caller as prices and use the pool as implied vols (each
    /// chunk here sleeps, so a helper has time to wake and take one of the four tasks: the
    /// caller alone would need 400 ms for them).
    #[test]
    fn what_an_element_costs_decides_where_the_pool_starts() {
        crate::parallel::set_num_threads(2).unwrap();
        let x = Array::from_elem(2000, 1.0).into_dyn();
        let views = [x.view()];
        let threads_used = |cost: Cost| {
            let names = std::sync::Mutex::new(Vec::new());
            let mut out = vec![0.0; 2000];
            for_each_chunk(&views, &[2000], &mut [&mut out[..]], cost, |_, _| {
                std::thread::sleep(std::time::Duration::from_millis(50));
                let name = std::thread::current().name().unwrap_or("").to_string();
                names.lock().unwrap().push(name);
            })
            .unwrap();
            names.into_inner().unwrap()
        };
        let caller = std::thread::current().name().unwrap_or("").to_string();
        assert!(threads_used(Cost::PRICE).iter().all(|name| *name == caller));
        assert!(
            threads_used(Cost::SERIAL)
                .iter()
                .all(|name| *name == caller)
        );
        let iv = threads_used(Cost::IMPLIED_VOL);
        assert!(
            iv.iter().any(|name| name.starts_with("pricer_rs-")),
            "{iv:?}"
        );
    }
}
