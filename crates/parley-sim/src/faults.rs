//! The queue of injected faults shared by the fakes: each entry applies to the next `times`
//! calls of one operation ("*" for any), first injected first served.

use std::sync::{Mutex, PoisonError};

use serde::Deserialize;

struct FaultSlot<F> {
    op: String,
    fault: F,
    remaining: u32,
}

pub(crate) struct FaultQueue<F> {
    slots: Mutex<Vec<FaultSlot<F>>>,
}

impl<F: Clone> FaultQueue<F> {
    pub(crate) fn new() -> Self {
        Self {
            slots: Mutex::new(Vec::new()),
        }
    }

    /// The fault for this call of `op`, if one is pending; uses up one of its times.
    pub(crate) fn take(&self, op: &str) -> Option<F> {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let pos = slots.iter().position(|s| s.op == "*" || s.op == op)?;
        let slot = &mut slots[pos];
        let fault = slot.fault.clone();
        slot.remaining -= 1;
        if slot.remaining == 0 {
            slots.remove(pos);
        }
        Some(fault)
    }

    /// The next `times` calls of `op` get `fault`; nothing when `times` is 0.
    pub(crate) fn add(&self, op: &str, fault: F, times: u32) {
        if times == 0 {
            return;
        }
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(FaultSlot {
                op: op.to_owned(),
                fault,
                remaining: times,
            });
    }

    /// Drops every pending fault.
    pub(crate) fn clear(&self) {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

/// The body of a `/control/fault` call: `times` defaults to 1.
#[derive(Deserialize)]
pub(crate) struct FaultRequest<F> {
    pub op: String,
    pub fault: F,
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}
