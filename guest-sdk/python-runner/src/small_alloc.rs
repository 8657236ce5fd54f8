//! The guest's global allocator: wasi-libc's `malloc` with a cache of freed small blocks.
//!
//! RustPython allocates an object for every float, tuple, iterator and frame it makes, and
//! frees it moments later; in an `act` call of a policy that loops, `malloc` and `free` took
//! about a tenth of the time. Once a policy acts, freed blocks of up to [`MAX_CACHED_BYTES`]
//! go onto a free list per size class and the next request of that class pops one: a few
//! instructions instead of a walk through dlmalloc's bins (the looping benchmark policy's
//! `act` went from 46.3 k to 42.7 k fuel). Each list holds at most [`LIST_CAP_BYTES`], so a
//! policy that frees many objects of one size gives the rest back to `malloc`, and the cache
//! never keeps more than about 130 KiB from other uses. (talc, the wasm allocator crate, was
//! measured slower than dlmalloc here, in time and in fuel.)

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::ptr;

/// Blocks up to this size are cached.
const MAX_CACHED_BYTES: usize = 512;
/// wasi-libc's dlmalloc keeps chunks in steps of 16 bytes, each with a 4-byte size header:
/// a class's block size is the most a chunk of its size holds, so the cache takes no more
/// memory per block than `malloc` itself would.
const CHUNK_STEP_BYTES: usize = 16;
const CHUNK_HEADER_BYTES: usize = 4;
const CLASSES: usize = class_index(MAX_CACHED_BYTES) + 1;
/// The most a class's free list holds, in bytes.
const LIST_CAP_BYTES: usize = 4 * 1024;
/// The alignment every cached block is allocated with: `System` serves it with a plain
/// `malloc` (a stricter one would take the slower `aligned_alloc`).
const BLOCK_ALIGN: usize = 8;

/// The class of a block of `size` bytes (at least 1): the smallest chunk that holds it.
const fn class_index(size: usize) -> usize {
    (size + CHUNK_HEADER_BYTES - 1) / CHUNK_STEP_BYTES
}

/// The size of every block of `class`.
const fn class_bytes(class: usize) -> usize {
    (class + 1) * CHUNK_STEP_BYTES - CHUNK_HEADER_BYTES
}

/// A freed block, linked through its first word.
struct FreeBlock {
    next: *mut FreeBlock,
}

struct FreeLists {
    caching: bool,
    heads: [*mut FreeBlock; CLASSES],
    lens: [u32; CLASSES],
}

/// The allocator installed as `#[global_allocator]` in `lib.rs`.
pub(crate) struct SmallBlockCache {
    lists: UnsafeCell<FreeLists>,
}

// SAFETY: the guest is built for single-threaded wasm (the `compile_error!` below refuses a
// build with the `atomics` feature), so the lists are never reached from two threads.
unsafe impl Sync for SmallBlockCache {}

#[cfg(target_feature = "atomics")]
compile_error!("SmallBlockCache assumes a single-threaded guest");

impl SmallBlockCache {
    pub(crate) const fn new() -> Self {
        SmallBlockCache {
            lists: UnsafeCell::new(FreeLists {
                caching: false,
                heads: [ptr::null_mut(); CLASSES],
                lens: [0; CLASSES],
            }),
        }
    }

    /// Starts caching freed blocks. Until then every block goes straight back to `malloc`:
    /// start-up and a policy's load (parsing, compiling, running the module) free blocks of
    /// many sizes once, and caching those kept them apart from their free neighbours, which
    /// then could not merge (about 1.3 MiB more touched memory per live policy). `act` calls
    /// free the same few sizes every step, which is what the cache is for.
    pub(crate) fn start_caching(&self) {
        // SAFETY: as in `alloc`.
        unsafe { (*self.lists.get()).caching = true };
    }
}

/// The size class of a layout this cache serves, or `None` for one it passes to `System`.
fn class_of(layout: Layout) -> Option<usize> {
    let size = layout.size();
    (size != 0 && size <= MAX_CACHED_BYTES && layout.align() <= BLOCK_ALIGN)
        .then(|| class_index(size))
}

/// The layout every block of `class` is allocated and freed with.
fn class_layout(class: usize) -> Layout {
    // SAFETY: `class < CLASSES`, so the size is at most a chunk past MAX_CACHED_BYTES, and
    // BLOCK_ALIGN is a power of two.
    unsafe { Layout::from_size_align_unchecked(class_bytes(class), BLOCK_ALIGN) }
}

// SAFETY: every block handed out is either `System`'s answer for the caller's layout or a
// block of at least the caller's size and alignment (its class's layout), allocated by
// `System` with that class layout and freed to it with the same layout. A cached block is
// owned by the cache alone: it is linked only after the caller freed it and unlinked before
// it is handed out again.
unsafe impl GlobalAlloc for SmallBlockCache {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class_of(layout) else {
            // SAFETY: forwarded with the caller's layout, as the caller's contract requires.
            return unsafe { System.alloc(layout) };
        };
        // SAFETY: single-threaded (see `Sync` above) and not re-entered: nothing below
        // allocates.
        let lists = unsafe { &mut *self.lists.get() };
        let head = lists.heads[class];
        if head.is_null() {
            // SAFETY: a valid, non-zero-sized layout.
            return unsafe { System.alloc(class_layout(class)) };
        }
        // SAFETY: `head` is a block of this class that was freed into the list and is not
        // in use; its first word is the link written by `dealloc`.
        lists.heads[class] = unsafe { (*head).next };
        lists.lens[class] -= 1;
        head.cast()
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if class_of(layout).is_none() {
            // SAFETY: forwarded with the caller's layout; `calloc` may skip zeroing fresh pages.
            return unsafe { System.alloc_zeroed(layout) };
        }
        // SAFETY: `alloc`'s contract is this one's; a non-null block holds `layout.size()`
        // bytes.
        unsafe {
            let block = self.alloc(layout);
            if !block.is_null() {
                ptr::write_bytes(block, 0, layout.size());
            }
            block
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        let Some(class) = class_of(layout) else {
            // SAFETY: a block `alloc` took from `System` with this same layout.
            return unsafe { System.dealloc(block, layout) };
        };
        // SAFETY: as in `alloc`.
        let lists = unsafe { &mut *self.lists.get() };
        if !lists.caching || (lists.lens[class] as usize + 1) * class_bytes(class) > LIST_CAP_BYTES
        {
            // SAFETY: blocks of this class come from `System` with the class layout.
            return unsafe { System.dealloc(block, class_layout(class)) };
        }
        let freed = block.cast::<FreeBlock>();
        // SAFETY: the caller gives the block up; it holds at least 12 bytes aligned to 8,
        // room for the link (a 4-byte pointer on wasm32).
        unsafe {
            freed.write(FreeBlock {
                next: lists.heads[class],
            })
        };
        lists.heads[class] = freed;
        lists.lens[class] += 1;
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size`, rounded up to the alignment, does not
        // overflow `isize`.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (class_of(layout), class_of(new_layout)) {
            // The block already has room: its class did not change.
            (Some(old), Some(new)) if old == new => block,
            // SAFETY: a `System` block, resized by `System` under the caller's contract.
            (None, None) => unsafe { System.realloc(block, layout, new_size) },
            _ => {
                // SAFETY: a valid layout; the copy covers what both blocks hold, and the old
                // block is freed with the layout it was allocated for.
                unsafe {
                    let moved = self.alloc(new_layout);
                    if !moved.is_null() {
                        ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                        self.dealloc(block, layout);
                    }
                    moved
                }
            }
        }
    }
}
