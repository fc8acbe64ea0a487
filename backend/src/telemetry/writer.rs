//! The log's writer: a request appends its formatted line to a buffer in memory, and a thread
//! of its own writes the buffer out in batches, so that a line costs a copy, not a system call
//! or a wake-up. The writer is woken once per batch: by the first line into an empty buffer,
//! after which it waits [`BATCH_DELAY`] for more, or early when the buffer reaches
//! [`BATCH_BYTES`]. Past [`CAPACITY_BYTES`] unwritten (the reader of standard output stalled),
//! new lines are dropped and counted instead of waiting or growing without bound.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long the writer gathers lines after the first one of a batch.
pub const BATCH_DELAY: Duration = Duration::from_millis(50);
/// A batch this large is written at once, without waiting for the delay.
pub const BATCH_BYTES: usize = 64 * 1024;
/// Unwritten bytes held before new lines are dropped: about 60,000 request lines.
pub const CAPACITY_BYTES: usize = 8 * 1024 * 1024;

struct Pending {
    lines: Vec<u8>,
    /// The writer was told to write without waiting (a full batch, or closing).
    hurried: bool,
    closed: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
    dropped: AtomicU64,
    capacity: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The handle lines are written to ([`MakeWriter`] for the subscriber); cheap to clone.
#[derive(Clone)]
pub struct Batched {
    shared: Arc<Shared>,
}

/// Stops the writer thread after it has written every line queued: [`Closer::close`].
pub struct Closer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// Starts the writer thread, writing to `output`.
pub fn spawn(output: impl Write + Send + 'static) -> (Batched, Closer) {
    spawn_with_capacity(output, CAPACITY_BYTES)
}

fn spawn_with_capacity(mut output: impl Write + Send + 'static, capacity: usize) -> (Batched, Closer) {
    let shared = Arc::new(Shared {
        pending: Mutex::new(Pending { lines: Vec::with_capacity(BATCH_BYTES), hurried: false, closed: false }),
        wake: Condvar::new(),
        dropped: AtomicU64::new(0),
        capacity,
    });
    let writer = Arc::clone(&shared);
    let thread = std::thread::Builder::new()
        .name("gatehouse-log".into())
        .spawn(move || {
            let mut batch = Vec::with_capacity(BATCH_BYTES);
            loop {
                let closed = next_batch(&writer, &mut batch);
                // A failed write (standard output closed) loses that batch; the server goes on.
                let _ = output.write_all(&batch).and_then(|()| output.flush());
                batch.clear();
                if closed {
                    return;
                }
            }
        })
        .expect("the log writer thread starts");
    (Batched { shared: Arc::clone(&shared) }, Closer { shared, thread: Some(thread) })
}

/// Waits for lines, gathers them for [`BATCH_DELAY`] unless hurried, and swaps them into
/// `batch`. Whether the writer was closed.
fn next_batch(shared: &Shared, batch: &mut Vec<u8>) -> bool {
    let mut pending = shared.lock();
    while pending.lines.is_empty() && !pending.closed {
        pending = shared.wake.wait(pending).unwrap_or_else(PoisonError::into_inner);
    }
    if !pending.hurried && !pending.closed {
        pending = shared
            .wake
            .wait_timeout_while(pending, BATCH_DELAY, |pending| !pending.hurried && !pending.closed)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
    std::mem::swap(&mut pending.lines, batch);
    pending.hurried = false;
    pending.closed && pending.lines.is_empty()
}

impl Batched {
    /// Lines dropped so far because the buffer was full.
    pub fn dropped_lines(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Queues one whole line, newline included: written whole, or dropped and counted.
    pub fn append(&self, line: &[u8]) {
        let mut pending = self.shared.lock();
        if pending.closed || pending.lines.len() + line.len() > self.shared.capacity {
            drop(pending);
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let first = pending.lines.is_empty();
        pending.lines.extend_from_slice(line);
        let hurry = !pending.hurried && pending.lines.len() >= BATCH_BYTES;
        pending.hurried |= hurry;
        drop(pending);
        if first || hurry {
            self.shared.wake.notify_one();
        }
    }
}

impl Closer {
    /// Writes out every line queued, then stops the thread. Lines logged afterwards are
    /// dropped.
    pub fn close(&mut self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One line, as the subscriber formats it: written in a single `write_all`.
pub struct Line<'a>(&'a Batched);

impl Write for Line<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.append(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Batched {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        Line(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::telemetry::kept::Kept;

    #[test]
    fn every_line_is_written_in_order_before_close_returns() {
        let kept = Kept::default();
        let (lines, mut closer) = spawn(kept.clone());
        let expected: String = (0..20_000).map(|n| format!("line {n}\n")).collect();
        for n in 0..20_000 {
            lines.make_writer().write_all(format!("line {n}\n").as_bytes()).unwrap();
        }
        closer.close();
        assert_eq!(kept.text(), expected);
        assert_eq!(lines.dropped_lines(), 0);
    }

    #[test]
    fn lines_beyond_the_capacity_are_dropped_and_counted_not_split() {
        // An output that blocks until the test lets it go, as a stalled reader would.
        let gate = Arc::new(Mutex::new(()));
        struct Stalled(Arc<Mutex<()>>, Kept);
        impl Write for Stalled {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                let _open = self.0.lock().unwrap();
                self.1.write(bytes)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let kept = Kept::default();
        let held = gate.lock().unwrap();
        let (lines, mut closer) = spawn_with_capacity(Stalled(Arc::clone(&gate), kept.clone()), 100);
        for n in 0..30 {
            lines.make_writer().write_all(format!("line {n:02}\n").as_bytes()).unwrap();
        }
        // The writer may have taken the first lines into a batch before stalling on them; the
        // buffer then held 100 bytes more. Every line kept is whole, and the rest are counted.
        drop(held);
        closer.close();
        let text = kept.text();
        let written = text.lines().count() as u64;
        assert!(text.lines().all(|line| line.len() == 7 && line.starts_with("line ")), "{text}");
        assert!((12..=24).contains(&written), "{written} lines written");
        assert_eq!(written + lines.dropped_lines(), 30);
    }

    #[test]
    fn lines_after_close_are_dropped() {
        let kept = Kept::default();
        let (lines, mut closer) = spawn(kept.clone());
        closer.close();
        lines.make_writer().write_all(b"too late\n").unwrap();
        assert_eq!(kept.text(), "");
        assert_eq!(lines.dropped_lines(), 1);
    }
}
