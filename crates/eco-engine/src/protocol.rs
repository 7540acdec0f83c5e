//! The write-ahead apply protocol of one change, as a pure transition function: the next
//! [`Phase`] of a change, and the one [`Effect`] the executor performs next, are a function of
//! (the kind of change, its phase, an [`Event`]) alone, as steno's saga log computes a node's
//! next status from (status, event). No I/O here; the executor in `apply.rs` performs the
//! effects (state writes through the group-committing writer, AWS calls) and feeds back what
//! happened. A single change and a batch of changes (Route53 records of one zone) run the same
//! transitions; a batch only shares the writes and the call.
//!
//! Every change goes through the same steps: record the intent (durable before anything is sent
//! to AWS), send the call(s), record the result in place of the intent. Updates record no intent
//! (refresh reads what an interrupted update did), but they go through the same phases so that
//! the same hooks fire. A replacement replaces in the order its lifecycle asks: destroy before
//! create (the default: two calls, the old resource's delete then the create) or create before
//! destroy (the create; the old resource is recorded as deposed and deleted after every other
//! change, as a delete of its own: see below).
//!
//! ## Hooks
//!
//! Before the effect of a phase is performed, the fault hook of that phase ([`hook`]) is asked;
//! an injected failure arrives as [`Event::Fault`] in that phase (an injected crash ends the
//! process: [`Event::Crash`]).
//!
//! | phase           | hook                   |
//! |-----------------|------------------------|
//! | `Planned`       | `before-intent`        |
//! | `IntentDurable` | `before-call`          |
//! | `Succeeded`     | `after-call`           |
//! | `ResultDurable` | `after-result`         |
//!
//! ## Transitions
//!
//! `Call` is the kind's call: create, update or delete (a destroy-before-create replacement's
//! first call is `DeleteOld`, a create-before-destroy one's `Create`). *intent* kinds are create, delete and replace;
//! updates have none. Pairs not in the table are protocol violations: [`next`] returns `None`.
//! The first transition is [`begin`]: `Planned`, effect `WriteIntent`.
//!
//! | phase                  | event               | kind           | next phase                | effect            |
//! |------------------------|---------------------|----------------|---------------------------|-------------------|
//! | `Planned`              | `IntentWritten`     | any            | `IntentDurable`           | `Send(first call)`|
//! | `Planned`              | `Fault`/`WriteFailed`| any           | `Failed(Prior)`           | `Stop`            |
//! | `IntentDurable`        | `Sent`              | any            | `CallSent(first call)`    | `Await`           |
//! | `IntentDurable`        | `Fault`             | intent         | `Withdrawing`             | `Withdraw`        |
//! | `IntentDurable`        | `Fault`             | update         | `Failed(Prior)`           | `Stop`            |
//! | `CallSent(c)`          | `Sent`              | any            | `CallSent(c)`             | `Await`           |
//! | `CallSent(c)`          | `Returned(Retry)`   | any            | `CallSent(c)`             | `Send(c)`         |
//! | `CallSent(DeleteOld)`  | `Returned(Ok)`      | replace d-b-c  | `OldDeleted`              | `Send(Create)`    |
//! | `CallSent(c)`          | `Returned(Ok)`      | otherwise      | `Succeeded`               | `WriteResult`     |
//! | `CallSent(c)`          | `Returned(Err)`     | create, replace's `Create` | `Failed(Intent)` | `Stop`           |
//! | `CallSent(Create)`     | `Returned(Old)`     | replace c-b-d  | `Failed(Intent)`          | `Stop`            |
//! | `CallSent(c)`          | `Returned(Err)`     | update         | `Failed(Prior)`           | `Stop`            |
//! | `CallSent(c)`          | `Returned(Err)`     | delete, d-b-c's `DeleteOld` | `Withdrawing` | `Withdraw`       |
//! | `OldDeleted`           | `Sent`              | replace d-b-c  | `CallSent(Create)`        | `Await`           |
//! | `Succeeded`            | `ResultWritten`     | any            | `ResultDurable`           | `Complete`        |
//! | `Succeeded`            | `Fault`/`WriteFailed`| intent        | `Failed(Intent)`          | `Stop`            |
//! | `Succeeded`            | `Fault`/`WriteFailed`| update        | `Failed(Prior)`           | `Stop`            |
//! | `ResultDurable`        | `Completed`         | any            | `Done`                    | `Stop`            |
//! | `ResultDurable`        | `Fault`             | any            | `Failed(Result)`          | `Stop`            |
//! | `Withdrawing`          | `ResultWritten`     | intent         | `Failed(Prior)`           | `Stop`            |
//! | `Withdrawing`          | `WriteFailed`       | intent         | `Failed(Intent)`          | `Stop`            |
//! | any non-terminal       | `Crash`             | any            | `Crashed(kept)`           | `Stop`            |
//! | `Done`, `Failed`, `Crashed` | any            | any            | (none: terminal)          |                   |
//!
//! ## What a crash leaves, and what the next run's settle finds
//!
//! `kept` is what state holds for the address when the process stops in that phase ([`kept`]):
//! `Prior` (as before the change), `Intent` (the intent is pending) or `Result`. A pending
//! intent is settled by the next plan (`settle.rs`): a create or replace is looked for with
//! `find` (token, name, ownership tags) and adopted when found, else planned again; a delete is
//! read by id and dropped from state when gone, else planned again.
//!
//! | crashed in                        | kept     | AWS has                      | settle finds                   |
//! |-----------------------------------|----------|------------------------------|--------------------------------|
//! | `Planned`                         | `Prior`  | nothing changed              | (no intent: the plan redoes it)|
//! | `IntentDurable`                   | `Intent` | nothing changed              | not created / still exists     |
//! | `CallSent`                        | `Intent` | maybe changed                | either                         |
//! | `OldDeleted` (d-b-c)              | `Intent` | old deleted, new not created | not created (refresh drops old)|
//! | `Succeeded` (before the result)   | `Intent` | changed                      | adopted / deleted              |
//! | `Withdrawing`                     | `Intent` | nothing changed (call failed)| not created / still exists     |
//! | `ResultDurable`                   | `Result` | new one recorded (c-b-d: and the old one deposed) | (nothing pending) |
//!
//! Updates keep `Prior` until their result is durable: refresh reads what they did.
//!
//! ## The resource a replacement replaces
//!
//! A create-before-destroy replacement creates while the old resource is live ([`old_is_live`]),
//! and types' creates adopt what they find (by name, token or ownership tags), which could be
//! the old resource itself: the replacement would then silently never happen. So its intent
//! records the old id (`replaces`), its create and the settling of its intent run with
//! `OpContext::replacing` set (`find` never answers the old id), and a create that still answers
//! the old id (a type whose identity is its name: the two cannot exist at once) is
//! `Returned(Old)`, a failure. A destroy-before-create replacement's create runs after the old
//! resource is gone: it is a plain create (a new resource may take the old one's name and id).
//!
//! The old resource of a create-before-destroy replacement is deleted last, as Terraform deletes
//! deposed objects: once the replacement is recorded and every change that depends on it (a
//! CloudFront distribution switched to a new certificate) is made, since AWS refuses to delete
//! what is still in use. State keeps it meanwhile at its [`deposed`] address (`ADDRESS~deposed`):
//! the replacement's result write records the new resource and the deposed old one together,
//! and settling an interrupted create-before-destroy replacement that finds the new resource
//! does the same. The apply then deletes the deposed resource with the deletions, as a `Delete`
//! change of its own (this same protocol); a deposed resource left by a crash or a failed
//! delete is in state but not in the configuration, so the next plan deletes it (or refresh
//! drops it when it is already gone). Nothing is ever left untracked.

use eco_state::Operation;

use crate::hooks::Step;

/// The kind of change, as the protocol sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Create,
    Update,
    Delete,
    Replace(Order),
}

/// The order of a replacement's two calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    /// Create the new resource, record it, then delete the old one (`create-before-destroy`).
    CreateBeforeDestroy,
    /// Delete the old resource, then create the new one (the default).
    DestroyBeforeCreate,
}

/// An AWS call a change makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Call {
    Create,
    Update,
    Delete,
    /// A replacement's delete of the resource it replaces.
    DeleteOld,
}

/// What state holds for a change's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kept {
    /// What it held before the change (no intent pending).
    Prior,
    /// The change's intent is pending: the next run settles it.
    Intent,
    /// The change's result.
    Result,
}

/// Where one change is in the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Nothing recorded, nothing sent.
    Planned,
    /// The intent is durable (updates: none is recorded); no call sent yet.
    IntentDurable,
    /// A call went out; what it did is not known yet.
    CallSent(Call),
    /// Destroy-before-create: the old resource is deleted; the create is next.
    OldDeleted,
    /// The change's call succeeded; its result is not durable yet.
    Succeeded,
    /// The result replaced the intent in state.
    ResultDurable,
    /// The call failed or was never sent: the intent is being withdrawn.
    Withdrawing,
    /// Terminal: the change is done.
    Done,
    /// Terminal: the change failed; state keeps what it says.
    Failed(Kept),
    /// Terminal: the process stopped; state keeps what it says.
    Crashed(Kept),
}

impl Phase {
    /// Whether no event moves it on.
    pub fn is_terminal(self) -> bool {
        matches!(self, Phase::Done | Phase::Failed(_) | Phase::Crashed(_))
    }
}

/// How a call returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Ok,
    /// A create-before-destroy replacement's create answered the resource it replaces: nothing
    /// new was made (the type's identity is its name, and the old one holds it).
    Old,
    /// An error the retry policy retries.
    Retry,
    /// An error that ends the change.
    Err,
}

/// What happened to a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Event {
    /// Its intent write is durable (updates: at once).
    IntentWritten,
    /// Its call went out.
    Sent,
    /// Its call returned.
    Returned(Outcome),
    /// Its result (or, withdrawing, its prior state) write is durable.
    ResultWritten,
    /// Nothing is left to do but the last hook, which passed.
    Completed,
    /// An injected failure at the phase's hook.
    Fault,
    /// A state write failed.
    WriteFailed,
    /// The process stopped (an injected crash ends the process; an injected stop, for tests
    /// that go on in the same process, feeds this): state keeps what is durable.
    Crash,
}

/// What the executor does next for a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Record the intent (updates: nothing).
    WriteIntent,
    /// Send the call.
    Send(Call),
    /// Wait for the call sent.
    Await,
    /// Record what the call made in place of the intent (a delete: the address is removed).
    WriteResult,
    /// Record the prior state in place of the intent (nothing was made).
    Withdraw,
    /// Nothing left but the last hook.
    Complete,
    /// Nothing at all: the phase is terminal.
    Stop,
}

/// A phase and the effect to perform in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Transition {
    pub phase: Phase,
    pub effect: Effect,
}

impl Kind {
    /// The operation its intent records; `None` for an update (no intent).
    pub fn intent(self) -> Option<Operation> {
        match self {
            Kind::Create => Some(Operation::Create),
            Kind::Update => None,
            Kind::Delete => Some(Operation::Delete),
            Kind::Replace(_) => Some(Operation::Replace),
        }
    }

    /// The first call it makes.
    pub fn first_call(self) -> Call {
        match self {
            Kind::Create | Kind::Replace(Order::CreateBeforeDestroy) => Call::Create,
            Kind::Update => Call::Update,
            Kind::Delete => Call::Delete,
            Kind::Replace(Order::DestroyBeforeCreate) => Call::DeleteOld,
        }
    }
}

fn to(phase: Phase, effect: Effect) -> Option<Transition> {
    Some(Transition { phase, effect })
}

/// Whether the old resource is live while a change of `kind` creates: its create, and settling
/// its intent, must never adopt the old one (see the module docs).
pub fn old_is_live(kind: Kind) -> bool {
    kind == Kind::Replace(Order::CreateBeforeDestroy)
}

/// The address at which state keeps the old resource of a create-before-destroy replacement of
/// `address` between the new one's record and the old one's delete.
pub fn deposed(address: &str) -> String {
    format!("{address}~deposed")
}

/// The address a deposed resource's address was deposed from (`None`: not a deposed address).
pub fn replaced_by(address: &str) -> Option<&str> {
    address.strip_suffix("~deposed")
}

/// The first transition of every change.
pub fn begin(_kind: Kind) -> Transition {
    Transition {
        phase: Phase::Planned,
        effect: Effect::WriteIntent,
    }
}

/// The hook asked before the effect of `phase` is performed.
pub fn hook(phase: Phase) -> Option<Step> {
    match phase {
        Phase::Planned => Some(Step::BeforeIntent),
        Phase::IntentDurable => Some(Step::BeforeCall),
        Phase::Succeeded => Some(Step::AfterCall),
        Phase::ResultDurable => Some(Step::AfterResult),
        _ => None,
    }
}

/// What state holds for a change of `kind` stopped in `phase`.
pub fn kept(kind: Kind, phase: Phase) -> Kept {
    let intent = if kind.intent().is_some() {
        Kept::Intent
    } else {
        Kept::Prior
    };
    match phase {
        Phase::Planned => Kept::Prior,
        Phase::IntentDurable
        | Phase::CallSent(_)
        | Phase::OldDeleted
        | Phase::Succeeded
        | Phase::Withdrawing => intent,
        Phase::ResultDurable | Phase::Done => Kept::Result,
        Phase::Failed(k) | Phase::Crashed(k) => k,
    }
}

/// The protocol: the next phase and effect of a change of `kind` in `phase` after `event`, or
/// `None` when the event cannot happen there (see the module docs for the table).
pub fn next(kind: Kind, phase: Phase, event: Event) -> Option<Transition> {
    use Effect::*;
    use Event::*;
    use Phase::*;
    let has_intent = kind.intent().is_some();
    let cbd = kind == Kind::Replace(Order::CreateBeforeDestroy);
    let dbc = kind == Kind::Replace(Order::DestroyBeforeCreate);
    if phase.is_terminal() {
        return None;
    }
    match (phase, event) {
        (_, Crash) => to(Crashed(kept(kind, phase)), Stop),
        (Planned, IntentWritten) => to(IntentDurable, Send(kind.first_call())),
        (Planned, Fault | WriteFailed) => to(Failed(Kept::Prior), Stop),
        (IntentDurable, Sent) => to(CallSent(kind.first_call()), Await),
        (IntentDurable, Fault) if has_intent => to(Withdrawing, Withdraw),
        (IntentDurable, Fault) => to(Failed(Kept::Prior), Stop),
        (CallSent(c), Sent) => to(CallSent(c), Await),
        (CallSent(c), Returned(Outcome::Retry)) => to(CallSent(c), Send(c)),
        (CallSent(Call::DeleteOld), Returned(Outcome::Ok)) if dbc => {
            to(OldDeleted, Send(Call::Create))
        }
        (CallSent(_), Returned(Outcome::Ok)) => to(Succeeded, WriteResult),
        (CallSent(Call::Delete | Call::DeleteOld), Returned(Outcome::Err)) => {
            to(Withdrawing, Withdraw)
        }
        (CallSent(Call::Update), Returned(Outcome::Err)) => to(Failed(Kept::Prior), Stop),
        (CallSent(Call::Create), Returned(Outcome::Err)) => to(Failed(Kept::Intent), Stop),
        (CallSent(Call::Create), Returned(Outcome::Old)) if cbd => to(Failed(Kept::Intent), Stop),
        (OldDeleted, Sent) => to(CallSent(Call::Create), Await),
        (Succeeded, ResultWritten) => to(ResultDurable, Complete),
        (Succeeded, Fault | WriteFailed) => to(Failed(kept(kind, phase)), Stop),
        (ResultDurable, Completed) => to(Done, Stop),
        (ResultDurable, Fault) => to(Failed(Kept::Result), Stop),
        (Withdrawing, ResultWritten) => to(Failed(Kept::Prior), Stop),
        (Withdrawing, WriteFailed) => to(Failed(Kept::Intent), Stop),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    //! The whole table, without tokio: every (kind, phase, event) is either a row below or a
    //! protocol violation.

    use super::*;
    use crate::settle::{settle, Settled};

    const CBD: Kind = Kind::Replace(Order::CreateBeforeDestroy);
    const DBC: Kind = Kind::Replace(Order::DestroyBeforeCreate);
    const KINDS: [Kind; 5] = [Kind::Create, Kind::Update, Kind::Delete, CBD, DBC];
    const INTENT: &[Kind] = &[Kind::Create, Kind::Delete, CBD, DBC];
    const ALL: &[Kind] = &KINDS;

    fn phases() -> Vec<Phase> {
        let mut out = vec![
            Phase::Planned,
            Phase::IntentDurable,
            Phase::OldDeleted,
            Phase::Succeeded,
            Phase::ResultDurable,
            Phase::Withdrawing,
            Phase::Done,
        ];
        for c in [Call::Create, Call::Update, Call::Delete, Call::DeleteOld] {
            out.push(Phase::CallSent(c));
        }
        for k in [Kept::Prior, Kept::Intent, Kept::Result] {
            out.push(Phase::Failed(k));
            out.push(Phase::Crashed(k));
        }
        out
    }

    fn events() -> Vec<Event> {
        vec![
            Event::IntentWritten,
            Event::Sent,
            Event::Returned(Outcome::Ok),
            Event::Returned(Outcome::Retry),
            Event::Returned(Outcome::Err),
            Event::Returned(Outcome::Old),
            Event::ResultWritten,
            Event::Completed,
            Event::Fault,
            Event::WriteFailed,
            Event::Crash,
        ]
    }

    /// The calls a kind can have in flight.
    fn calls(kind: Kind) -> &'static [Call] {
        match kind {
            Kind::Create => &[Call::Create],
            Kind::Update => &[Call::Update],
            Kind::Delete => &[Call::Delete],
            Kind::Replace(Order::CreateBeforeDestroy) => &[Call::Create],
            Kind::Replace(Order::DestroyBeforeCreate) => &[Call::Create, Call::DeleteOld],
        }
    }

    /// Whether `phase` can be reached by a change of `kind` (terminal and crash phases aside).
    fn reachable(kind: Kind, phase: Phase) -> bool {
        match phase {
            Phase::CallSent(c) => calls(kind).contains(&c),
            Phase::OldDeleted => kind == DBC,
            Phase::Withdrawing => matches!(kind, Kind::Delete | DBC),
            _ => true,
        }
    }

    use Effect as E;
    use Event as V;
    use Phase as P;

    /// (kinds, phase, event, next phase, effect): every transition the protocol has.
    #[rustfmt::skip]
    fn table() -> Vec<(&'static [Kind], Phase, Event, Phase, Effect)> {
        const CREATE: &[Kind] = &[Kind::Create];
        const UPDATE: &[Kind] = &[Kind::Update];
        const DELETE: &[Kind] = &[Kind::Delete];
        const REPLACE: &[Kind] = &[CBD, DBC];
        let ok = V::Returned(Outcome::Ok);
        let retry = V::Returned(Outcome::Retry);
        let err = V::Returned(Outcome::Err);
        let mut rows: Vec<(&'static [Kind], Phase, Event, Phase, Effect)> = vec![
            (CREATE,  P::Planned, V::IntentWritten, P::IntentDurable, E::Send(Call::Create)),
            (UPDATE,  P::Planned, V::IntentWritten, P::IntentDurable, E::Send(Call::Update)),
            (DELETE,  P::Planned, V::IntentWritten, P::IntentDurable, E::Send(Call::Delete)),
            (&[CBD],  P::Planned, V::IntentWritten, P::IntentDurable, E::Send(Call::Create)),
            (&[DBC],  P::Planned, V::IntentWritten, P::IntentDurable, E::Send(Call::DeleteOld)),
            (ALL,     P::Planned, V::Fault,         P::Failed(Kept::Prior),  E::Stop),
            (ALL,     P::Planned, V::WriteFailed,   P::Failed(Kept::Prior),  E::Stop),
            (ALL,     P::Planned, V::Crash,         P::Crashed(Kept::Prior), E::Stop),
            (&[Kind::Create, CBD], P::IntentDurable, V::Sent, P::CallSent(Call::Create), E::Await),
            (UPDATE,  P::IntentDurable, V::Sent,  P::CallSent(Call::Update),    E::Await),
            (DELETE,  P::IntentDurable, V::Sent,  P::CallSent(Call::Delete),    E::Await),
            (&[DBC],  P::IntentDurable, V::Sent,  P::CallSent(Call::DeleteOld), E::Await),
            (INTENT,  P::IntentDurable, V::Fault, P::Withdrawing,               E::Withdraw),
            (UPDATE,  P::IntentDurable, V::Fault, P::Failed(Kept::Prior),       E::Stop),
            (INTENT,  P::IntentDurable, V::Crash, P::Crashed(Kept::Intent),     E::Stop),
            (UPDATE,  P::IntentDurable, V::Crash, P::Crashed(Kept::Prior),      E::Stop),
            // Calls.
            (CREATE,  P::CallSent(Call::Create),    ok,       P::Succeeded,             E::WriteResult),
            (CREATE,  P::CallSent(Call::Create),    err,      P::Failed(Kept::Intent),  E::Stop),
            (UPDATE,  P::CallSent(Call::Update),    ok,       P::Succeeded,             E::WriteResult),
            (UPDATE,  P::CallSent(Call::Update),    err,      P::Failed(Kept::Prior),   E::Stop),
            (UPDATE,  P::CallSent(Call::Update),    V::Crash, P::Crashed(Kept::Prior),  E::Stop),
            (DELETE,  P::CallSent(Call::Delete),    ok,       P::Succeeded,             E::WriteResult),
            (DELETE,  P::CallSent(Call::Delete),    err,      P::Withdrawing,           E::Withdraw),
            (REPLACE, P::CallSent(Call::Create),    ok,       P::Succeeded,             E::WriteResult),
            (REPLACE, P::CallSent(Call::Create),    err,      P::Failed(Kept::Intent),  E::Stop),
            // A create beside the old resource that answered the old resource made nothing.
            (&[CBD],  P::CallSent(Call::Create),    V::Returned(Outcome::Old), P::Failed(Kept::Intent), E::Stop),
            (&[DBC],  P::CallSent(Call::DeleteOld), ok,       P::OldDeleted,            E::Send(Call::Create)),
            (&[DBC],  P::CallSent(Call::DeleteOld), err,      P::Withdrawing,           E::Withdraw),
            (&[DBC],  P::OldDeleted,                V::Sent,  P::CallSent(Call::Create), E::Await),
            (&[DBC],  P::OldDeleted,                V::Crash, P::Crashed(Kept::Intent), E::Stop),
            // After the call.
            (ALL,     P::Succeeded, V::ResultWritten, P::ResultDurable, E::Complete),
            (INTENT,  P::Succeeded, V::Fault,         P::Failed(Kept::Intent),  E::Stop),
            (INTENT,  P::Succeeded, V::WriteFailed,   P::Failed(Kept::Intent),  E::Stop),
            (INTENT,  P::Succeeded, V::Crash,         P::Crashed(Kept::Intent), E::Stop),
            (UPDATE,  P::Succeeded, V::Fault,         P::Failed(Kept::Prior),   E::Stop),
            (UPDATE,  P::Succeeded, V::WriteFailed,   P::Failed(Kept::Prior),   E::Stop),
            (UPDATE,  P::Succeeded, V::Crash,         P::Crashed(Kept::Prior),  E::Stop),
            (ALL,     P::ResultDurable, V::Completed, P::Done,                  E::Stop),
            (ALL,     P::ResultDurable, V::Fault,     P::Failed(Kept::Result),  E::Stop),
            (ALL,     P::ResultDurable, V::Crash,     P::Crashed(Kept::Result), E::Stop),
            // Withdrawing an intent whose call was never sent, or failed.
            (INTENT,  P::Withdrawing, V::ResultWritten, P::Failed(Kept::Prior),   E::Stop),
            (INTENT,  P::Withdrawing, V::WriteFailed,   P::Failed(Kept::Intent),  E::Stop),
            (INTENT,  P::Withdrawing, V::Crash,         P::Crashed(Kept::Intent), E::Stop),
        ];
        // Every call: retried, re-sent, or interrupted, the same way.
        for kind in KINDS {
            let kinds: &'static [Kind] = match kind {
                Kind::Create => CREATE,
                Kind::Update => UPDATE,
                Kind::Delete => DELETE,
                k if k == CBD => &[CBD],
                _ => &[DBC],
            };
            for &c in calls(kind) {
                rows.push((kinds, P::CallSent(c), retry, P::CallSent(c), E::Send(c)));
                rows.push((kinds, P::CallSent(c), V::Sent, P::CallSent(c), E::Await));
                if kind.intent().is_some() {
                    rows.push((kinds, P::CallSent(c), V::Crash, P::Crashed(Kept::Intent), E::Stop));
                }
            }
        }
        rows
    }

    #[test]
    fn every_kind_phase_and_event_is_a_row_of_the_table_or_a_violation() {
        let rows = table();
        let mut used = vec![0usize; rows.len()];
        let mut checked = 0;
        for kind in KINDS {
            for phase in phases() {
                for event in events() {
                    let matching: Vec<usize> = rows
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| r.0.contains(&kind) && r.1 == phase && r.2 == event)
                        .map(|(i, _)| i)
                        .collect();
                    assert!(
                        matching.len() <= 1,
                        "{kind:?} {phase:?} {event:?}: rows {matching:?}"
                    );
                    let expected = matching.first().map(|&i| {
                        used[i] += 1;
                        Transition {
                            phase: rows[i].3,
                            effect: rows[i].4,
                        }
                    });
                    let got = next(kind, phase, event);
                    if reachable(kind, phase) || expected.is_some() {
                        assert_eq!(got, expected, "{kind:?} in {phase:?} on {event:?}");
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, KINDS.len() * phases().len() * events().len());
        assert!(used.iter().all(|&n| n > 0), "unused rows: {used:?}");
    }

    #[test]
    fn terminal_phases_take_no_event() {
        for kind in KINDS {
            for phase in phases().into_iter().filter(|p| p.is_terminal()) {
                for event in events() {
                    assert_eq!(next(kind, phase, event), None);
                }
            }
        }
    }

    #[test]
    fn hooks_are_the_four_steps() {
        assert_eq!(hook(P::Planned), Some(Step::BeforeIntent));
        assert_eq!(hook(P::IntentDurable), Some(Step::BeforeCall));
        assert_eq!(hook(P::Succeeded), Some(Step::AfterCall));
        assert_eq!(hook(P::ResultDurable), Some(Step::AfterResult));
        for phase in phases() {
            if !matches!(
                phase,
                P::Planned | P::IntentDurable | P::Succeeded | P::ResultDurable
            ) {
                assert_eq!(hook(phase), None, "{phase:?}");
            }
        }
    }

    /// Runs a change of `kind` from `begin`, feeding the first event of `events` the protocol
    /// takes at each step (the executor's view), and returns the phases it went through.
    fn run(kind: Kind, script: &[Event]) -> (Vec<Transition>, Phase) {
        let mut t = begin(kind);
        let mut seen = vec![t];
        for &event in script {
            t = next(kind, t.phase, event)
                .unwrap_or_else(|| panic!("{kind:?}: {event:?} in {:?}", t.phase));
            seen.push(t);
        }
        (seen, t.phase)
    }

    fn happy(kind: Kind) -> Vec<Event> {
        let ok = V::Returned(Outcome::Ok);
        match kind {
            k if k == DBC => vec![
                V::IntentWritten,
                V::Sent,
                ok,
                V::Sent,
                ok,
                V::ResultWritten,
                V::Completed,
            ],
            _ => vec![
                V::IntentWritten,
                V::Sent,
                ok,
                V::ResultWritten,
                V::Completed,
            ],
        }
    }

    #[test]
    fn a_change_without_faults_ends_done_and_its_intent_is_durable_before_any_call() {
        for kind in KINDS {
            let (seen, end) = run(kind, &happy(kind));
            assert_eq!(end, P::Done, "{kind:?}");
            let first_send = seen
                .iter()
                .position(|t| matches!(t.effect, E::Send(_)))
                .unwrap();
            assert!(
                seen[..first_send]
                    .iter()
                    .any(|t| t.effect == E::WriteIntent),
                "{kind:?}: the intent comes first"
            );
            // The calls in order.
            let calls: Vec<Call> = seen
                .iter()
                .filter_map(|t| match t.phase {
                    P::CallSent(c) if t.effect == E::Await => Some(c),
                    _ => None,
                })
                .collect();
            let expected: &[Call] = match kind {
                Kind::Create => &[Call::Create],
                Kind::Update => &[Call::Update],
                Kind::Delete => &[Call::Delete],
                k if k == CBD => &[Call::Create],
                _ => &[Call::DeleteOld, Call::Create],
            };
            assert_eq!(calls, expected, "{kind:?}");
        }
    }

    #[test]
    fn retries_resend_the_same_call() {
        let (_, end) = run(
            Kind::Create,
            &[
                V::IntentWritten,
                V::Sent,
                V::Returned(Outcome::Retry),
                V::Sent,
                V::Returned(Outcome::Retry),
                V::Sent,
                V::Returned(Outcome::Ok),
                V::ResultWritten,
                V::Completed,
            ],
        );
        assert_eq!(end, P::Done);
    }

    #[test]
    fn a_failure_after_the_call_keeps_the_intent_for_settle() {
        // The call succeeded, the after-call hook failed: the result is not recorded; the intent
        // stays, and the next run's settle finds what the call made.
        for kind in INTENT.iter().copied().filter(|&k| k != DBC) {
            let (_, end) = run(
                kind,
                &[
                    V::IntentWritten,
                    V::Sent,
                    V::Returned(Outcome::Ok),
                    V::Fault,
                ],
            );
            assert_eq!(end, P::Failed(Kept::Intent), "{kind:?}");
        }
        let (_, end) = run(
            Kind::Update,
            &[
                V::IntentWritten,
                V::Sent,
                V::Returned(Outcome::Ok),
                V::Fault,
            ],
        );
        assert_eq!(end, P::Failed(Kept::Prior), "an update: refresh reads it");
        // A failed call: a create keeps its intent (it may have made something before failing);
        // a delete's intent is withdrawn (AWS refused: the resource is still there).
        let err = V::Returned(Outcome::Err);
        assert_eq!(
            run(Kind::Create, &[V::IntentWritten, V::Sent, err]).1,
            P::Failed(Kept::Intent)
        );
        assert_eq!(
            run(
                Kind::Delete,
                &[V::IntentWritten, V::Sent, err, V::ResultWritten]
            )
            .1,
            P::Failed(Kept::Prior)
        );
    }

    /// What settle finds in AWS of a change stopped in a phase: `[exists]` when it is certain,
    /// both when it is in doubt.
    fn aws_exists_after_crash(kind: Kind, phase: Phase) -> Vec<bool> {
        // Whether the change's effect happened: for a create, the resource exists; for a
        // delete, it is gone.
        let happened: Vec<bool> = match phase {
            P::IntentDurable | P::Withdrawing => vec![false],
            P::CallSent(_) => vec![false, true],
            P::OldDeleted => vec![false], // the create was not sent yet
            P::Succeeded => vec![true],
            _ => return vec![],
        };
        match kind {
            Kind::Delete => happened.into_iter().map(|h| !h).collect(),
            _ => happened,
        }
    }

    #[test]
    fn a_crash_at_each_phase_leaves_what_the_next_settle_resolves() {
        for kind in KINDS {
            let mut t = begin(kind);
            for event in happy(kind) {
                let crashed = next(kind, t.phase, V::Crash).unwrap();
                let P::Crashed(kept) = crashed.phase else {
                    panic!("{crashed:?}")
                };
                assert_eq!(kept, super::kept(kind, t.phase));
                match (kept, kind.intent()) {
                    (Kept::Intent, Some(op)) => {
                        let exists = aws_exists_after_crash(kind, t.phase);
                        assert!(!exists.is_empty(), "{kind:?} {:?}", t.phase);
                        for e in exists {
                            let settled = settle(op, e);
                            let expected = match (op, e) {
                                (Operation::Delete, true) => Settled::StillExists,
                                (Operation::Delete, false) => Settled::Deleted,
                                (_, true) => Settled::Adopt,
                                (_, false) => Settled::CreateAgain,
                            };
                            assert_eq!(settled, expected, "{kind:?} crashed in {:?}", t.phase);
                        }
                    }
                    (Kept::Intent, None) => panic!("an update never keeps an intent"),
                    // Nothing pending: the plan (after refresh) is right on its own.
                    (Kept::Prior | Kept::Result, _) => {}
                }
                t = next(kind, t.phase, event).unwrap();
            }
            assert_eq!(t.phase, P::Done);
        }
        // The crash before the result, spelled out: a create whose call succeeded is adopted.
        let (_, end) = run(
            Kind::Create,
            &[
                V::IntentWritten,
                V::Sent,
                V::Returned(Outcome::Ok),
                V::Crash,
            ],
        );
        assert_eq!(end, P::Crashed(Kept::Intent));
        assert_eq!(settle(Operation::Create, true), Settled::Adopt);
        // ... and a delete whose call succeeded is found gone.
        let (_, end) = run(
            Kind::Delete,
            &[
                V::IntentWritten,
                V::Sent,
                V::Returned(Outcome::Ok),
                V::Crash,
            ],
        );
        assert_eq!(end, P::Crashed(Kept::Intent));
        assert_eq!(settle(Operation::Delete, false), Settled::Deleted);
        assert_eq!(settle(Operation::Update, true), Settled::Refresh);
    }

    #[test]
    fn only_a_create_beside_the_live_old_resource_must_skip_it() {
        // Create-before-destroy creates while the old resource lives: its create (and settling
        // its intent) must not adopt it, and a create that answers it made nothing.
        for kind in KINDS {
            assert_eq!(old_is_live(kind), kind == CBD, "{kind:?}");
            let answered_old = next(kind, P::CallSent(Call::Create), V::Returned(Outcome::Old));
            if kind == CBD {
                assert_eq!(answered_old.unwrap().phase, P::Failed(Kept::Intent));
            } else {
                assert_eq!(
                    answered_old, None,
                    "{kind:?}: only c-b-d can answer the old"
                );
            }
        }
        // Destroy-before-create deletes first: the create may take the old name (and id).
        let (seen, _) = run(DBC, &happy(DBC));
        let delete = seen
            .iter()
            .position(|t| t.phase == P::CallSent(Call::DeleteOld));
        let create = seen
            .iter()
            .position(|t| t.phase == P::CallSent(Call::Create));
        assert!(delete < create);
        // The old resource's record between the new one's result and its delete: an address of
        // the same type that no configuration can declare (the plan deletes it).
        let old = deposed("acm-certificate.site");
        assert_eq!(old, "acm-certificate.site~deposed");
        assert_eq!(replaced_by(&old), Some("acm-certificate.site"));
        assert_eq!(replaced_by("acm-certificate.site"), None);
        let parsed = eco_config::Address::parse(&old).unwrap();
        assert_eq!(parsed.type_name, "acm-certificate");
    }

    #[test]
    fn nothing_is_withdrawn_once_a_call_may_have_made_something() {
        // A withdraw records the prior state: only right when AWS refused or was never asked.
        for kind in KINDS {
            for phase in phases() {
                for event in events() {
                    if let Some(t) = next(kind, phase, event) {
                        if t.effect == E::Withdraw {
                            let refused = event == V::Returned(Outcome::Err)
                                && matches!(phase, P::CallSent(Call::Delete | Call::DeleteOld));
                            let unsent = event == V::Fault && phase == P::IntentDurable;
                            assert!(refused || unsent, "{kind:?} {phase:?} {event:?}");
                        }
                    }
                }
            }
        }
    }
}
