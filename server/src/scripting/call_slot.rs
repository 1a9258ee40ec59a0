//! Where `redis.call` finds the run it belongs to.
//!
//! `redis.call` needs the server and the script's client, which the run borrows from the
//! batch holding the server lock. mlua's safe way to hand a borrow to a Lua function is a
//! scope, which builds the function and tears it down on every run: at pipeline 16 that
//! was about a tenth of the server's time per EVALSHA. So each interpreter's `redis.call`
//! is built once, and a run lends its context through this thread's slot for exactly as
//! long as its Lua code runs ([`lend`]). This is the module's only unsafe code: turning
//! the lent pointer back into the borrow it came from.

use std::cell::Cell;
use std::ptr::NonNull;

use super::run::CallCtx;

/// What the slot of this thread holds.
#[derive(Clone, Copy)]
enum Slot {
    /// No script runs on this thread.
    Empty,
    /// A run's context, lent by [`lend`]. Erased to `()`: its lifetimes cannot be named
    /// here.
    Lent(NonNull<()>),
    /// The context is in use by a `redis.call` now.
    InUse,
}

thread_local! {
    static SLOT: Cell<Slot> = const { Cell::new(Slot::Empty) };
}

/// Why [`with_lent`] could not give the context.
pub enum NotLent {
    /// No script runs: `redis.call` outside a run.
    Outside,
    /// A `redis.call` already uses it (only a Lua hook could call again meanwhile).
    Recursive,
}

/// Runs `f` (the run's Lua code) with `ctx` lent to [`with_lent`] callers on this thread.
/// What the slot held before comes back after.
pub fn lend<R>(ctx: &mut CallCtx<'_>, f: impl FnOnce() -> R) -> R {
    let ptr = NonNull::from(ctx).cast::<()>();
    let before = SLOT.with(|slot| slot.replace(Slot::Lent(ptr)));
    // Put back even if `f` unwinds, so no dangling pointer outlives the borrow.
    struct Restore(Slot);
    impl Drop for Restore {
        fn drop(&mut self) {
            SLOT.with(|slot| slot.set(self.0));
        }
    }
    let _restore = Restore(before);
    f()
}

/// Runs `f` with the context [`lend`] lent on this thread.
pub fn with_lent<R>(f: impl FnOnce(&mut CallCtx<'_>) -> R) -> Result<R, NotLent> {
    let ptr = match SLOT.with(|slot| slot.replace(Slot::InUse)) {
        Slot::Lent(ptr) => ptr,
        Slot::Empty => {
            SLOT.with(|slot| slot.set(Slot::Empty));
            return Err(NotLent::Outside);
        }
        Slot::InUse => return Err(NotLent::Recursive),
    };
    struct Restore(NonNull<()>);
    impl Drop for Restore {
        fn drop(&mut self) {
            SLOT.with(|slot| slot.set(Slot::Lent(self.0)));
        }
    }
    let _restore = Restore(ptr);
    #[allow(unsafe_code)]
    // SAFETY: `ptr` came from a `&mut CallCtx` that `lend` holds, unused, for as long as
    // the slot shows it (its guard resets the slot before the borrow ends, even on
    // unwind); the slot reads InUse while this reference lives, so no second one is
    // made; the slot is per thread, so no other thread sees it. `f` works for any
    // lifetime, so it cannot keep the borrows past its return.
    let ctx = unsafe { ptr.cast::<CallCtx<'_>>().as_mut() };
    Ok(f(ctx))
}
