//! Memory for what a client claims: reserved, not taken.
//!
//! kafka-protocol's decoders size each array from the length a request
//! states, before they read a single element (`Vec::with_capacity(n)`). A
//! malformed request that claims four billion topics asks for hundreds of
//! gigabytes at once. The system allocator refuses, and Rust aborts the
//! process when an allocation is refused: one bad request would take the
//! server, and every client's connection, down with it.
//!
//! [`Reserving`] hands out every allocation of a gigabyte or more as
//! address space reserved with nothing behind it (`mmap` with
//! `MAP_NORESERVE`). Untouched pages cost no memory, and a decoder only
//! writes the elements it reads: the request runs out of bytes long before
//! it fills such a vector, decoding fails with an error, and the vector is
//! dropped. Everything smaller goes to the system allocator as before.
//! `mqsim serve` (and the tests that feed the decoders bad input) install it
//! as the global allocator.

use std::alloc::{GlobalAlloc, Layout, System};

/// Allocations this large or larger are reserved address space.
const LARGE: usize = 1 << 30;

/// The global allocator of a server that decodes what clients send.
pub struct Reserving;

impl Reserving {
    fn large(layout: &Layout) -> bool {
        cfg!(unix) && layout.size() >= LARGE && layout.align() <= 4096
    }
}

// SAFETY: small layouts go to `System` unchanged; large ones are whole
// anonymous mappings, page-aligned (which covers any alignment up to 4096),
// zeroed by the kernel, and unmapped with the same length they were
// mapped with.
unsafe impl GlobalAlloc for Reserving {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if Self::large(&layout) {
            reserve(layout.size())
        } else {
            // SAFETY: the caller's layout, passed on.
            unsafe { System.alloc(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if Self::large(&layout) {
            release(ptr, layout.size());
        } else {
            // SAFETY: `ptr` came from `System` with this layout.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return std::ptr::null_mut();
        };
        if !Self::large(&layout) && !Self::large(&new_layout) {
            // SAFETY: both sizes are `System`'s; the caller's pointer and
            // layout, passed on.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // Across the line, or between two large ones (which no decoder
        // gets to: a vector fills its capacity first): a new allocation,
        // the bytes copied, the old one freed.
        // SAFETY: `new_layout` has a non-zero size (at least the old one's
        // or `LARGE`), and the copy stays within both allocations.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

#[cfg(unix)]
fn reserve(size: usize) -> *mut u8 {
    // SAFETY: an anonymous private mapping at an address of the kernel's
    // choosing touches no existing memory.
    let at = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if at == libc::MAP_FAILED {
        std::ptr::null_mut()
    } else {
        at.cast()
    }
}

#[cfg(unix)]
fn release(ptr: *mut u8, size: usize) {
    // SAFETY: `ptr` and `size` are a mapping `reserve` made.
    unsafe {
        libc::munmap(ptr.cast(), size);
    }
}

#[cfg(not(unix))]
fn reserve(_size: usize) -> *mut u8 {
    std::ptr::null_mut()
}

#[cfg(not(unix))]
fn release(_ptr: *mut u8, _size: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_allocation_is_reserved_and_a_small_one_is_the_systems() {
        let huge = Layout::from_size_align(200 << 30, 8).unwrap();
        // SAFETY: allocated, written within bounds, read and freed with its
        // own layout.
        unsafe {
            let ptr = Reserving.alloc(huge);
            assert!(!ptr.is_null(), "200 GiB of address space");
            *ptr.add(12345) = 7;
            assert_eq!(*ptr.add(12345), 7);
            Reserving.dealloc(ptr, huge);
            let small = Layout::from_size_align(64, 8).unwrap();
            let ptr = Reserving.alloc(small);
            *ptr = 1;
            let big = Reserving.realloc(ptr, small, LARGE);
            assert_eq!(*big, 1, "kept across the line");
            Reserving.dealloc(big, Layout::from_size_align(LARGE, 8).unwrap());
        }
    }
}
