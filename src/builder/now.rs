//! Settings that can change at the moment on screen, each as the
//! intervention Kafka or RabbitMQ has for it: a RabbitMQ consumer's
//! prefetch (it consumes again), a consumer's processing time, a topic's
//! partitions (`kafka-topics --alter`, which only adds). Everything else is
//! a change to the setup.

use super::Target;
use super::fields::Field;
use mqsim::scenario::edit::Part;
use mqsim::scenario::{Intervention, ScenarioFile};

/// The intervention that makes `field` of `target` `text` now; refused,
/// with the reason, where the setting has none.
pub fn intervention(
    file: &ScenarioFile,
    target: &Target,
    field: &Field,
    text: &str,
) -> Result<Intervention, String> {
    let number = || {
        text.trim()
            .parse::<u64>()
            .map_err(|_| format!("{}: must be a whole number, got {text:?}", field.label))
    };
    let Target::Part(part) = target else {
        return Err(setup_only(field));
    };
    let name = part.name().to_string();
    Ok(match (part, field.label) {
        (Part::Consumer(_), "prefetch") => Intervention::RabbitConsumerPrefetch {
            consumer: name,
            prefetch: u32::try_from(number()?).unwrap_or(u32::MAX),
        },
        (Part::Consumer(_), "processing (ms)") => Intervention::RabbitConsumerSlow {
            consumer: name,
            processing_ms: number()?,
        },
        (Part::Member { group, .. }, "processing (ms)") => Intervention::ConsumerSlow {
            group: Some(group.clone()),
            member: name,
            processing_ms: number()?,
        },
        (Part::Standalone(_), "processing (ms)") => Intervention::ConsumerSlow {
            group: None,
            member: name,
            processing_ms: number()?,
        },
        (Part::Topic(_), "partitions") => {
            let now = file.kafka.topics.iter().find(|t| t.name == name);
            let partitions = u32::try_from(number()?).unwrap_or(u32::MAX);
            if now.is_some_and(|t| partitions <= t.partitions) {
                return Err(
                    "partitions: Kafka only adds partitions to a topic; it never removes any"
                        .into(),
                );
            }
            Intervention::AddPartitions {
                topic: name,
                partitions,
            }
        }
        _ => return Err(setup_only(field)),
    })
}

fn setup_only(field: &Field) -> String {
    format!(
        "{} can only be changed in the setup: choose \"Change the setup\".",
        field.label
    )
}
