//! Verifying the audit log: the Merkle tree recomputed from every stored event, and
//! every signed checkpoint held to it. What `writ audit verify` runs.

use writ_core::AuditEntry;
use writ_ledger::{Hash, MemoryLog, verify_checkpoint, verify_consistency};

use crate::{Store, StoreError, StoredEvent};

/// What `writ audit verify` found.
#[derive(Debug)]
pub struct Verification {
    pub events: u64,
    pub checkpoints: usize,
    /// Each thing that does not hold, the first bad event named first where there is one.
    pub problems: Vec<String>,
    /// Events after the latest checkpoint (not yet covered by a signature).
    pub unsigned_tail: u64,
}

const BATCH: u64 = 20_000;

pub(crate) async fn verify(store: &Store, verifier_key: &str) -> Result<Verification, StoreError> {
    let size = store.audit_size().await?;
    let mut problems = Vec::new();

    // 1. Every event, in order and without gaps, its columns agreeing with its entry,
    //    hashed into a tree of our own.
    let mut log = MemoryLog::new();
    // Read the next batch while this one is hashed: the two cores share the work.
    let mut next = (size > 0).then(|| tokio::spawn(read_events(store.clone(), 0)));
    'events: while let Some(reading) = next.take() {
        let batch = reading
            .await
            .map_err(|e| StoreError::Task(e.to_string()))??;
        let Some(last) = batch.last() else { break };
        if last.index + 1 < size {
            next = Some(tokio::spawn(read_events(store.clone(), last.index + 1)));
        }
        for event in batch {
            let expected = log.size();
            if event.index != expected {
                problems.push(format!(
                    "event {expected} is missing: the next stored event is {} (deleted?)",
                    event.index
                ));
                break 'events;
            }
            if let Some(problem) = columns_disagree(&event) {
                problems.push(format!("event {expected}: {problem}"));
            }
            log.append(&event.entry)?;
        }
    }
    if log.size() < size && problems.is_empty() {
        problems.push(format!(
            "event {} is missing: the log should hold {size} events (deleted?)",
            log.size()
        ));
    }

    // 2. Every checkpoint: its signature, its root against our tree, and consistency
    //    with the one before.
    let checkpoints = store.checkpoints().await?;
    let mut checkpoint_problems = Vec::new();
    let mut roots_differ = false;
    let mut previous: Option<(u64, Hash)> = None;
    for stored in &checkpoints {
        let at = stored.size;
        let checkpoint = match verify_checkpoint(&stored.note, verifier_key) {
            Ok(checkpoint) => checkpoint,
            Err(error) => {
                checkpoint_problems.push(format!("checkpoint at size {at}: {error}"));
                continue;
            }
        };
        if checkpoint.size != at || checkpoint.root != stored.root {
            checkpoint_problems.push(format!(
                "checkpoint at size {at}: its signed note is for size {}",
                checkpoint.size
            ));
            continue;
        }
        if at > log.size() {
            checkpoint_problems.push(format!(
                "checkpoint at size {at}: signed for {at} events, but only {} can be read",
                log.size()
            ));
            continue;
        }
        if log.tree_hash(at)? != checkpoint.root {
            roots_differ = true;
            checkpoint_problems.push(format!(
                "checkpoint at size {at} does not match the stored events: one of events \
                 0..{at} was changed, removed or reordered after it was signed"
            ));
            continue;
        }
        if let Some((from, from_root)) = previous {
            let proof = log.consistency_proof(from, at)?;
            if verify_consistency(&proof, from, from_root, at, checkpoint.root).is_err() {
                checkpoint_problems.push(format!(
                    "checkpoint at size {at} is not consistent with checkpoint {from}"
                ));
            }
        }
        previous = Some((at, checkpoint.root));
    }

    // 3. The hashes stored as each event was appended: their root must be ours. Only
    //    when something differs are they read in full, to name the first changed event.
    let stored_root = store.tree_hash(log.size()).await?;
    if roots_differ || stored_root != log.tree_hash(log.size())? {
        problems.insert(0, first_changed_event(store, &log).await?);
    }
    problems.extend(checkpoint_problems);

    let signed = previous.map_or(0, |(size, _)| size);
    Ok(Verification {
        events: log.size(),
        checkpoints: checkpoints.len(),
        problems,
        unsigned_tail: log.size().saturating_sub(signed),
    })
}

async fn read_events(store: Store, from: u64) -> Result<Vec<StoredEvent>, StoreError> {
    store.audit_events(from, BATCH).await
}

/// Whether an event's indexed columns say the same as its recorded entry.
fn columns_disagree(event: &StoredEvent) -> Option<String> {
    let entry = match AuditEntry::from_canonical_bytes(&event.entry) {
        Ok(entry) => entry,
        Err(error) => {
            return Some(format!(
                "its recorded entry is not an audit entry ({error})"
            ));
        }
    };
    let same = entry.at == event.at
        && entry.actor.to_string() == event.actor
        && entry.action == event.action
        && entry.case_id.map(|id| id.to_string()) == event.case_id;
    (!same).then(|| {
        "its columns (time, actor, action, case) differ from its recorded entry".to_owned()
    })
}

/// Compares the stored hashes with ours, in order, and names the event behind the first
/// that differs.
async fn first_changed_event(store: &Store, log: &MemoryLog) -> Result<String, StoreError> {
    let ours = log.stored_hashes();
    let mut from = 0;
    loop {
        let stored = store.stored_hashes(from, BATCH).await?;
        let Some(&(last, _)) = stored.last() else {
            break;
        };
        for (index, hash) in stored {
            let differs = usize::try_from(index)
                .ok()
                .and_then(|i| ours.get(i))
                .is_some_and(|expected| *expected != hash);
            if differs {
                return Ok(describe(log, index));
            }
        }
        from = last + 1;
    }
    Ok("the stored events do not hash to the tree stored with them".to_owned())
}

/// The event whose append stored hash `stored_index`.
fn describe(log: &MemoryLog, stored_index: u64) -> String {
    // Event n's hashes are stored from stored_hash_index(0, n) on, in increasing order.
    let mut low = 0;
    let mut high = log.size();
    while low + 1 < high {
        let middle = low + (high - low) / 2;
        if writ_ledger::stored_hash_index(0, middle) <= stored_index {
            low = middle;
        } else {
            high = middle;
        }
    }
    if writ_ledger::stored_hash_index(0, low) == stored_index {
        format!(
            "event {low} was changed or moved after it was recorded: its hash differs from the \
             one stored when it was appended"
        )
    } else {
        format!(
            "stored tree hash {stored_index} (from event {low}) differs from the tree recomputed from the events"
        )
    }
}
