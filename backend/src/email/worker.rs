//! The delivery worker: claims due messages from the outbox, hands e-mails to the transport and
//! webhooks to their sender, and schedules failures again with exponential backoff. Several
//! instances can run it on one database; a claim is a lease, so a message is delivered by one
//! of them.

use std::sync::Arc;
use std::time::Duration;

use crate::clock;
use crate::configuration::Delivery;
use crate::email::Emails;
use crate::store::outbox::ClaimedEmail;
use crate::store::Store;
use crate::webhooks::Webhooks;

const BATCH: i64 = 16;
/// How often the outbox is looked at when nothing signals new messages (other instances).
const POLL: Duration = Duration::from_secs(1);

/// Starts the worker on the current runtime.
pub fn spawn(store: Store, emails: Arc<Emails>, webhooks: Arc<Webhooks>, delivery: Delivery) {
    tokio::spawn(async move {
        loop {
            match deliver_due(&store, &emails, &webhooks, &delivery).await {
                Ok(0) => {
                    tokio::select! {
                        _ = emails.queued().notified() => {}
                        _ = tokio::time::sleep(POLL) => {}
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(error = format!("{error:#}"), "the e-mail outbox could not be read");
                    tokio::time::sleep(POLL).await;
                }
            }
        }
    });
}

/// The delay before attempt `attempts + 1`: the first delay, doubled each time, capped.
pub fn backoff(delivery: &Delivery, attempts: i64) -> Duration {
    let factor = 2u32.saturating_pow(u32::try_from(attempts.saturating_sub(1)).unwrap_or(u32::MAX).min(30));
    delivery.first_retry_delay.saturating_mul(factor).min(delivery.max_retry_delay)
}

/// Hands one claimed message to its transport.
async fn send(email: &ClaimedEmail, emails: &Emails, webhooks: &Webhooks, delivery: &Delivery) -> anyhow::Result<()> {
    if email.kind == WEBHOOK {
        // A webhook's subject is its message id, its message the JSON body.
        return webhooks.deliver(&email.recipient, &email.subject, &email.message).await;
    }
    emails
        .transport()
        .deliver(&email.sender, &email.recipient, email.message.as_bytes(), delivery.smtp_deadline())
        .await
}

/// The outbox kind of webhooks.
const WEBHOOK: &str = "webhook";

/// Delivers one batch of due messages; returns how many were claimed.
async fn deliver_due(
    store: &Store,
    emails: &Emails,
    webhooks: &Webhooks,
    delivery: &Delivery,
) -> anyhow::Result<usize> {
    let now = clock::now_micros();
    let lease_until = now + delivery.lease.as_micros() as i64;
    let claimed = store.claim_emails(now, lease_until, BATCH).await?;
    for email in &claimed {
        let outcome = send(email, emails, webhooks, delivery).await;
        let (recipient, max_attempts) = match email.kind == WEBHOOK {
            true => (crate::webhooks::shown(&email.recipient), webhooks.max_attempts),
            false => (email.recipient.clone(), delivery.max_attempts),
        };
        match outcome {
            Ok(()) => {
                store.mark_email_sent(email.id, clock::now_micros()).await?;
                tracing::info!(
                    kind = %email.kind,
                    recipient = ?recipient,
                    subject = %email.subject,
                    backend = emails.transport().name(),
                    "e-mail sent"
                );
            }
            Err(error) => {
                let reason = format!("{error:#}");
                if email.attempts >= max_attempts {
                    store.mark_email_failed(email.id, &reason).await?;
                    tracing::error!(
                        kind = %email.kind,
                        outbox_id = email.id,
                        recipient = ?recipient,
                        attempts = email.attempts,
                        error = %reason,
                        "e-mail not delivered; giving up"
                    );
                } else {
                    let delay = backoff(delivery, email.attempts);
                    let next = clock::now_micros() + delay.as_micros() as i64;
                    store.mark_email_retry(email.id, next, &reason).await?;
                    tracing::warn!(
                        kind = %email.kind,
                        outbox_id = email.id,
                        recipient = ?recipient,
                        attempts = email.attempts,
                        retry_in_ms = delay.as_millis() as u64,
                        error = %reason,
                        "e-mail not delivered; will retry"
                    );
                }
            }
        }
    }
    Ok(claimed.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_first_delay_up_to_the_cap() {
        let delivery = Delivery {
            first_retry_delay: Duration::from_millis(500),
            max_retry_delay: Duration::from_secs(5),
            max_attempts: 10,
            lease: Duration::from_secs(120),
        };
        let delays: Vec<u128> = (1..=6).map(|attempt| backoff(&delivery, attempt).as_millis()).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 5000, 5000]);
        assert_eq!(backoff(&delivery, i64::MAX), Duration::from_secs(5));
    }
}
