//! The broker at work: publishing, routing into queues, pushing to
//! consumers, and settling.
//!
//! Unlike Kafka's pull, RabbitMQ *pushes*: as soon as a queue has a ready
//! message and one of its consumers has room under its prefetch limit
//! (`basic.qos`), the broker sends it, taking consumers in turn (round
//! robin). The message stays with the broker, unacknowledged, until the
//! consumer settles it: `ack` removes it for good; `nack` with requeue puts
//! it back; `nack` without requeue dead-letters (or drops) it. With
//! `auto_ack` the broker forgets the message as soon as it sends it.
//!
//! A client can also pull one message (`basic.get`), empty a queue's
//! ready messages without dead-lettering them (`queue.purge`), and delete
//! an exchange with its bindings (`exchange.delete`). A consumer that
//! cancels (`basic.cancel`) keeps what it holds unacknowledged until it
//! settles it or its channel closes, which requeues it. These follow
//! RabbitMQ's "Consumer Acknowledgements and Publisher Confirms" and
//! "Queues" guides and `rabbit_channel.erl`'s handling of `basic.get`,
//! `basic.cancel`, `queue.purge` and `exchange.delete`.

use super::client::{Publisher, RabbitConsumer};
use super::message::Message;
use super::queue::{Overflow, Queue, QueueType, Queued};
use super::timeline;
use super::topology::{Binding, Destination, Exchange, Topology};
use crate::agenda::Ctx;
use crate::ids::{MessageId, PublisherId, QueueId, RabbitConsumerId};
use crate::rng::{SimRng, Stream};
use crate::scenario::{Intervention, Scenario};
use crate::sim::Entries;
use crate::time::SimTime;
use crate::trace::{DeathReason, EventKind, Settlement};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Something that will happen on the RabbitMQ side.
#[derive(Clone, Debug)]
pub(crate) enum Action {
    /// A publisher's next message is due.
    Publish { publisher: PublisherId },
    /// A message published by hand, as the entry wrote it (numbered when
    /// it is published).
    PublishByHand {
        publisher: PublisherId,
        message: Rc<Message>,
        mandatory: bool,
    },
    /// The timeline declares an exchange (by its place in the roster).
    DeclareExchange { exchange: usize },
    /// A publisher the timeline adds starts.
    StartPublisher { publisher: PublisherId },
    /// A consumer consumes again with another prefetch.
    SetPrefetch {
        consumer: RabbitConsumerId,
        prefetch: u32,
    },
    /// A consumer's handling time per message changes.
    SetProcessing {
        consumer: RabbitConsumerId,
        processing_ms: u64,
    },
    /// A message reaches its exchange.
    Route {
        message: Rc<Message>,
        mandatory: bool,
    },
    /// A delivery reaches its consumer.
    Deliver {
        consumer: RabbitConsumerId,
        incarnation: u32,
        delivery_tag: u64,
        message: Rc<Message>,
    },
    /// A consumer finished handling its oldest delivery.
    Handled {
        consumer: RabbitConsumerId,
        incarnation: u32,
    },
    /// A consumer that acknowledges by hand sends an `ack` or `nack`.
    SettleByHand {
        consumer: RabbitConsumerId,
        delivery_tag: u64,
        multiple: bool,
        outcome: Settlement,
    },
    /// A consumer's `ack` or `nack` reaches the broker.
    Settle {
        consumer: RabbitConsumerId,
        delivery_tag: u64,
        outcome: Settlement,
    },
    /// The message at the head of a queue may have expired.
    Expire { queue: QueueId },
    /// An unused queue with `x-expires` may be due for deletion.
    QueueUnused { queue: QueueId },
    /// A consumer process dies, or its channel closes.
    Crash { consumer: RabbitConsumerId },
    /// `basic.cancel` from a consumer acknowledging by hand.
    Cancel { consumer: RabbitConsumerId },
    /// `basic.get` by a consumer acknowledging by hand.
    Get {
        consumer: RabbitConsumerId,
        queue: QueueId,
        auto_ack: bool,
    },
    /// A crashed consumer starts again.
    Restart { consumer: RabbitConsumerId },
    /// `queue.declare` from the timeline.
    DeclareQueue { queue: QueueId },
    /// `queue.delete` from the timeline.
    DeleteQueue { queue: QueueId },
    /// `queue.purge` from the timeline.
    PurgeQueue { queue: QueueId },
    /// `exchange.delete`: exchange number `exchange` of the roster.
    DeleteExchange { exchange: usize },
    /// `queue.bind`: binding `binding` of the roster.
    Bind { binding: u32 },
    /// `queue.unbind`: the bound binding equal to this one.
    Unbind { binding: Rc<Binding> },
}

/// A delivery the broker waits to hear about.
#[derive(Clone, Debug)]
struct Unacked {
    queue: QueueId,
    queued: Queued,
}

/// The whole RabbitMQ side.
#[derive(Clone, Debug)]
pub struct Rabbit {
    /// Routing as it stands: the declared exchanges, the live queues and
    /// the bindings in force. Rebuilt when a queue or binding comes or goes.
    pub topology: Topology,
    /// Every exchange of the run, and whether it is declared yet.
    exchanges: Vec<(Exchange, bool)>,
    /// Every binding of the run ([`Scenario::rabbit_bindings`]), with
    /// whether it is in force now.
    bindings: Vec<(Binding, bool)>,
    pub queues: Vec<Queue>,
    pub publishers: Vec<Publisher>,
    pub consumers: Vec<RabbitConsumer>,
    /// Per consumer, its unsettled deliveries by delivery tag.
    unacked: Vec<BTreeMap<u64, Unacked>>,
    /// Per queue, its consumers, and whose turn is next.
    queue_consumers: Vec<(Vec<RabbitConsumerId>, usize)>,
    next_message: u64,
}

/// One copy of a message the broker holds, as `rabbitmqctl` would show
/// it: in which queue, whether delivered and to whom, and how often.
#[derive(Clone, Debug, PartialEq)]
pub struct HeldCopy<'a> {
    pub message: &'a Message,
    pub queue: QueueId,
    /// Delivered and not yet settled by this consumer.
    pub held_by: Option<RabbitConsumerId>,
    pub redelivered: bool,
    /// Deliveries so far (a quorum queue counts them for
    /// `x-delivery-limit`).
    pub delivery_count: u32,
}

impl Rabbit {
    /// Every copy of message `id` the broker still holds: ready in a queue,
    /// or delivered and waiting for its ack. A fanout gives one copy per
    /// queue; a handled message has none.
    pub fn held_copies(&self, id: MessageId) -> Vec<HeldCopy<'_>> {
        fn copy(
            queue: QueueId,
            held_by: Option<RabbitConsumerId>,
            queued: &Queued,
        ) -> HeldCopy<'_> {
            HeldCopy {
                message: &queued.message,
                queue,
                held_by,
                redelivered: queued.redelivered,
                delivery_count: queued.delivery_count,
            }
        }
        let mut copies: Vec<HeldCopy<'_>> = self
            .queues
            .iter()
            .enumerate()
            .flat_map(|(q, queue)| {
                queue
                    .waiting()
                    .filter(|queued| queued.message.id == id)
                    .map(move |queued| copy(QueueId(q as u32), None, queued))
            })
            .collect();
        for (c, unacked) in self.unacked.iter().enumerate() {
            copies.extend(
                unacked
                    .values()
                    .filter(|u| u.queued.message.id == id)
                    .map(|u| copy(u.queue, Some(RabbitConsumerId(c as u32)), &u.queued)),
            );
        }
        copies
    }

    /// The RabbitMQ side of `scenario`, the actions that start it and those
    /// of the timeline's entries (each with the entry's index).
    pub(crate) fn new(scenario: &Scenario) -> (Rabbit, Vec<(SimTime, Action)>, Entries<Action>) {
        let file = scenario.file();
        let queue_roster = scenario.rabbit_queues();
        let names: Vec<String> = queue_roster.iter().map(|(q, _)| q.name.clone()).collect();
        let queues: Vec<Queue> = queue_roster
            .iter()
            .map(|(q, from)| {
                let mut queue = Queue::new(&q.name, &q.arguments);
                // One the timeline declares exists from then on.
                queue.declared = from.is_none();
                queue
            })
            .collect();
        let binding_roster = scenario.rabbit_bindings();
        let queue_id = |name: &str| {
            names
                .iter()
                .position(|n| n == name)
                .map(|i| QueueId(i as u32))
        };
        let publisher_roster = scenario.rabbit_publishers();
        let publishers: Vec<Publisher> = publisher_roster
            .iter()
            .enumerate()
            .map(|(i, (p, from))| {
                Publisher::new(p, SimRng::new(file.seed, Stream::Publisher(i as u32)))
                    .starting_at(from.unwrap_or(0))
            })
            .collect();
        let exchange_roster = scenario.rabbit_exchanges();
        let mut queue_consumers = vec![(Vec::new(), 0); queues.len()];
        let roster = scenario.rabbit_consumers();
        let consumers: Vec<RabbitConsumer> = roster
            .iter()
            .enumerate()
            .map(|(i, (c, from))| {
                let queue = queue_id(&c.queue).unwrap_or(QueueId(0));
                queue_consumers[queue.index()]
                    .0
                    .push(RabbitConsumerId(i as u32));
                let mut consumer = RabbitConsumer::new(
                    c,
                    queue,
                    SimRng::new(file.seed, Stream::RabbitConsumer(i as u32)),
                );
                // One the timeline adds starts when it says; one that only
                // gets never does.
                consumer.running = from.is_none() && !c.get_only;
                consumer
            })
            .collect();
        let mut start: Vec<(SimTime, Action)> = publishers
            .iter()
            .zip(&publisher_roster)
            .enumerate()
            .filter_map(|(i, (p, (_, from)))| {
                let publisher = PublisherId(i as u32);
                match from {
                    None => Some((p.send_time(0)?, Action::Publish { publisher })),
                    Some(at) => Some((
                        SimTime::from_millis(*at),
                        Action::StartPublisher { publisher },
                    )),
                }
            })
            .collect();
        for (q, queue) in queues.iter().enumerate() {
            if let Some(expires) = queue.expires_ms
                && queue.declared
                && !queue_consumers[q]
                    .0
                    .iter()
                    .any(|c: &RabbitConsumerId| consumers[c.index()].running)
            {
                start.push((
                    SimTime::from_millis(expires),
                    Action::QueueUnused {
                        queue: QueueId(q as u32),
                    },
                ));
            }
        }
        let entry_action = timeline::EntryAction::new(scenario);
        let mut binds = 0;
        let mut entries = Vec::new();
        for (index, entry) in file.timeline.iter().enumerate() {
            entries.extend(entry_action.of(index, binds).map(|a| (index, a)));
            binds += usize::from(matches!(entry.action, Intervention::RabbitBind { .. }));
        }
        let mut rabbit = Rabbit {
            topology: Topology::new(&[], &[], &[]).expect("an empty topology"),
            exchanges: exchange_roster
                .iter()
                .map(|(x, from)| ((*x).clone(), from.is_none()))
                .collect(),
            bindings: binding_roster
                .into_iter()
                .map(|(b, from)| (b.clone(), from.is_none()))
                .collect(),
            unacked: vec![BTreeMap::new(); consumers.len()],
            queues,
            publishers,
            consumers,
            queue_consumers,
            next_message: 0,
        };
        rabbit.rebuild_topology();
        (rabbit, start, entries)
    }

    /// The action of `scenario`'s timeline entry number `index`, after
    /// `binds_before` `rabbit_bind` entries.
    pub(crate) fn entry_action(
        scenario: &Scenario,
        index: usize,
        binds_before: usize,
    ) -> Option<Action> {
        timeline::EntryAction::new(scenario).of(index, binds_before)
    }

    /// Carries out one scheduled action.
    pub(crate) fn handle(&mut self, action: Action, ctx: &mut Ctx<'_, Action>) {
        match action {
            Action::Publish { publisher } => self.on_publish(publisher, ctx),
            Action::Route { message, mandatory } => self.route(message, mandatory, ctx),
            Action::Deliver {
                consumer,
                incarnation,
                delivery_tag,
                message,
            } => {
                let c = &self.consumers[consumer.index()];
                // One acknowledging by hand gets what was sent before it
                // cancelled, as a client gets what preceded its cancel-ok.
                let cancelled = c.by_hand && c.incarnation == incarnation;
                if c.is_current(incarnation) || cancelled {
                    self.on_deliver(consumer, delivery_tag, message, ctx);
                }
            }
            Action::Handled {
                consumer,
                incarnation,
            } => {
                if self.consumers[consumer.index()].is_current(incarnation) {
                    self.on_handled(consumer, ctx);
                }
            }
            Action::Settle {
                consumer,
                delivery_tag,
                outcome,
            } => self.on_settle(consumer, delivery_tag, outcome, ctx),
            Action::Expire { queue } => self.expire(queue, ctx),
            Action::Crash { consumer } => self.on_crash(consumer, ctx),
            Action::Get {
                consumer,
                queue,
                auto_ack,
            } => self.get(consumer, queue, auto_ack, ctx),
            Action::Cancel { consumer } => {
                let c = &mut self.consumers[consumer.index()];
                if c.running {
                    // What it holds it keeps: deliveries on their way still
                    // reach it (see `Deliver`), and it may settle them.
                    c.running = false;
                    let queue = c.queue;
                    ctx.emit(EventKind::RabbitConsumerCancelled { consumer });
                    self.note_unused(queue, ctx);
                }
            }
            Action::PublishByHand {
                publisher,
                message,
                mandatory,
            } => {
                let id = MessageId(self.next_message);
                self.next_message += 1;
                let message = Rc::new(Message {
                    id,
                    ..Message::clone(&message)
                });
                self.publish(publisher, message, mandatory, ctx);
            }
            Action::SettleByHand {
                consumer,
                delivery_tag,
                multiple,
                outcome,
            } => self.settle_by_hand(consumer, delivery_tag, multiple, outcome, ctx),
            Action::DeclareExchange { exchange } => {
                let (x, declared) = &mut self.exchanges[exchange];
                *declared = true;
                let name = Rc::from(x.name.as_str());
                self.rebuild_topology();
                ctx.emit(EventKind::ExchangeDeclared { exchange: name });
            }
            Action::StartPublisher { publisher } => {
                ctx.emit(EventKind::PublisherStarted { publisher });
                // At rate 0 it publishes only by hand.
                if self.publishers[publisher.index()].send_time(0).is_some() {
                    self.on_publish(publisher, ctx);
                }
            }
            Action::SetPrefetch { consumer, prefetch } => {
                let c = &mut self.consumers[consumer.index()];
                c.reconsume(prefetch);
                let queue = c.queue;
                ctx.emit(EventKind::RabbitConsumerPrefetchSet { consumer, prefetch });
                self.dispatch(queue, ctx);
            }
            Action::SetProcessing {
                consumer,
                processing_ms,
            } => {
                self.consumers[consumer.index()].processing_ms = processing_ms;
                ctx.emit(EventKind::RabbitConsumerSlowed {
                    consumer,
                    processing_ms,
                });
            }
            Action::QueueUnused { queue } => self.delete_if_unused(queue, ctx),
            Action::DeclareQueue { queue } => {
                let q = &mut self.queues[queue.index()];
                q.declared = true;
                q.unused_since = ctx.now;
                self.rebuild_topology();
                ctx.emit(EventKind::QueueDeclared { queue });
                self.note_unused(queue, ctx);
            }
            Action::PurgeQueue { queue } => {
                let q = &mut self.queues[queue.index()];
                if q.is_live() {
                    let purged = q.ready_count();
                    q.ready.clear();
                    q.returns.clear();
                    ctx.emit(EventKind::QueuePurged { queue, purged });
                }
            }
            Action::DeleteExchange { exchange } => self.delete_exchange(exchange, ctx),
            Action::DeleteQueue { queue } => {
                if self.queues[queue.index()].is_live() {
                    self.delete(queue, false, ctx);
                }
            }
            Action::Bind { binding } => {
                if let Some((_, bound)) = self.bindings.get_mut(binding as usize) {
                    *bound = true;
                    self.rebuild_topology();
                    ctx.emit(EventKind::BindingAdded { binding });
                }
            }
            Action::Unbind { binding } => {
                if let Some(i) = self
                    .bindings
                    .iter()
                    .position(|(b, bound)| *bound && *b == *binding)
                {
                    self.bindings[i].1 = false;
                    self.rebuild_topology();
                    ctx.emit(EventKind::BindingRemoved { binding: i as u32 });
                }
            }
            Action::Restart { consumer } => {
                let live = self.queues[self.consumers[consumer.index()].queue.index()].is_live();
                let c = &mut self.consumers[consumer.index()];
                if !c.running && live {
                    c.running = true;
                    let queue = c.queue;
                    ctx.emit(EventKind::RabbitConsumerStarted { consumer });
                    self.dispatch(queue, ctx);
                }
            }
        }
    }

    /// A consumer dies: what it held unacknowledged goes back to its queue,
    /// marked redelivered (a quorum queue counts the return); what it had
    /// received but not handled dies with it.
    fn on_crash(&mut self, consumer: RabbitConsumerId, ctx: &mut Ctx<'_, Action>) {
        let c = &mut self.consumers[consumer.index()];
        // One that cancelled still holds its unacknowledged deliveries.
        if !c.running && self.unacked[consumer.index()].is_empty() {
            return;
        }
        c.stop();
        ctx.emit(EventKind::RabbitConsumerCrashed { consumer });
        let returned = std::mem::take(&mut self.unacked[consumer.index()]);
        let mut queues = Vec::new();
        for (_, Unacked { queue, queued }) in returned {
            self.queues[queue.index()].unacked -= 1;
            self.give_back(queue, queued, ctx);
            queues.push(queue);
        }
        queues.dedup();
        for queue in queues {
            self.dispatch(queue, ctx);
        }
        let queue = self.consumers[consumer.index()].queue;
        self.note_unused(queue, ctx);
    }

    /// Whether any running consumer reads `queue`.
    fn has_consumer(&self, queue: QueueId) -> bool {
        self.queue_consumers[queue.index()]
            .0
            .iter()
            .any(|c| self.consumers[c.index()].running)
    }

    /// If `queue` just lost its last consumer, its `x-expires` countdown
    /// starts.
    fn note_unused(&mut self, queue: QueueId, ctx: &mut Ctx<'_, Action>) {
        if self.has_consumer(queue) {
            return;
        }
        let q = &mut self.queues[queue.index()];
        q.unused_since = ctx.now;
        if let Some(expires) = q.expires_ms {
            ctx.at(ctx.now + expires, Action::QueueUnused { queue });
        }
    }

    /// `x-expires`: a queue unused for that long is deleted, messages and
    /// all (they are not dead-lettered).
    fn delete_if_unused(&mut self, queue: QueueId, ctx: &mut Ctx<'_, Action>) {
        let has_consumer = self.has_consumer(queue);
        let q = &mut self.queues[queue.index()];
        let Some(expires) = q.expires_ms else {
            return;
        };
        if !q.is_live() || has_consumer || ctx.now.millis_since(q.unused_since) < expires {
            return;
        }
        self.delete(queue, true, ctx);
    }

    /// Deletes `queue`: what it holds is dropped (not dead-lettered), its
    /// bindings go, and its consumers are cancelled. Deliveries on their way
    /// to them are lost, and their late acks are ignored.
    fn delete(&mut self, queue: QueueId, expired: bool, ctx: &mut Ctx<'_, Action>) {
        let q = &mut self.queues[queue.index()];
        q.deleted = true;
        let dropped = q.ready_count();
        q.ready.clear();
        q.returns.clear();
        q.unacked = 0;
        let name = Destination::Queue(q.name.to_string());
        for unacked in &mut self.unacked {
            unacked.retain(|_, u| u.queue != queue);
        }
        for (binding, bound) in &mut self.bindings {
            if binding.destination == name {
                *bound = false;
            }
        }
        self.rebuild_topology();
        ctx.emit(EventKind::QueueDeleted {
            queue,
            dropped,
            expired,
        });
        for &consumer in &self.queue_consumers[queue.index()].0 {
            let c = &mut self.consumers[consumer.index()];
            if c.running {
                c.stop();
                ctx.emit(EventKind::RabbitConsumerCancelled { consumer });
            }
        }
    }

    /// Deletes exchange number `exchange`: the bindings from and to it go
    /// first.
    fn delete_exchange(&mut self, exchange: usize, ctx: &mut Ctx<'_, Action>) {
        let (x, declared) = &mut self.exchanges[exchange];
        if !*declared {
            return;
        }
        *declared = false;
        let name: Rc<str> = Rc::from(x.name.as_str());
        let to = Destination::Exchange(x.name.clone());
        for (i, (binding, bound)) in self.bindings.iter_mut().enumerate() {
            if *bound && (*binding.source == *name || binding.destination == to) {
                *bound = false;
                ctx.emit(EventKind::BindingRemoved { binding: i as u32 });
            }
        }
        self.rebuild_topology();
        ctx.emit(EventKind::ExchangeDeleted { exchange: name });
    }

    /// Routing from the declared exchanges, the live queues and the
    /// bindings in force (validation made sure they fit together).
    fn rebuild_topology(&mut self) {
        let queues: Vec<String> = self
            .queues
            .iter()
            .filter(|q| q.is_live())
            .map(|q| q.name.to_string())
            .collect();
        let bindings: Vec<Binding> = self
            .bindings
            .iter()
            .filter(|(_, bound)| *bound)
            .map(|(b, _)| b.clone())
            .collect();
        let exchanges: Vec<Exchange> = self
            .exchanges
            .iter()
            .filter(|(_, declared)| *declared)
            .map(|(x, _)| x.clone())
            .collect();
        if let Ok(topology) = Topology::new(&exchanges, &queues, &bindings) {
            self.topology = topology;
        }
    }

    fn on_publish(&mut self, publisher: PublisherId, ctx: &mut Ctx<'_, Action>) {
        let id = MessageId(self.next_message);
        self.next_message += 1;
        let p = &mut self.publishers[publisher.index()];
        let message = Rc::new(p.next_message(id));
        if let Some(next) = p.send_time(p.sent) {
            ctx.at(next, Action::Publish { publisher });
        }
        let mandatory = p.mandatory;
        self.publish(publisher, message, mandatory, ctx);
    }

    /// Sends `message` from `publisher` to its exchange.
    fn publish(
        &mut self,
        publisher: PublisherId,
        message: Rc<Message>,
        mandatory: bool,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let arrives_at = ctx.send(Action::Route {
            message: message.clone(),
            mandatory,
        });
        ctx.emit(EventKind::MessagePublished {
            message: message.id,
            publisher,
            exchange: message.exchange.clone(),
            routing_key: message.routing_key.clone(),
            headers: message.headers.clone(),
            arrives_at,
        });
    }

    /// The exchange routes `message`; each queue it reaches takes it.
    fn route(&mut self, message: Rc<Message>, mandatory: bool, ctx: &mut Ctx<'_, Action>) {
        let Ok(route) =
            self.topology
                .route(&message.exchange, &message.routing_key, &message.headers)
        else {
            // A dead-letter exchange that does not exist drops the message.
            ctx.emit(EventKind::MessageUnroutable {
                message: message.id,
                returned: false,
            });
            return;
        };
        let queues: Vec<QueueId> = route
            .queues
            .iter()
            .filter_map(|name| self.queue_id(name))
            .filter(|q| self.queues[q.index()].is_live())
            .filter(|q| !message.would_cycle(&self.queues[q.index()].name))
            .collect();
        if queues.is_empty() {
            ctx.emit(EventKind::MessageUnroutable {
                message: message.id,
                returned: mandatory,
            });
            return;
        }
        ctx.emit(EventKind::MessageRouted {
            message: message.id,
            exchange: message.exchange.clone(),
            queues: queues.clone(),
            via: route.via,
        });
        for queue in queues {
            self.enqueue(queue, message.clone(), ctx);
        }
    }

    fn queue_id(&self, name: &str) -> Option<QueueId> {
        self.queues
            .iter()
            .position(|q| &*q.name == name)
            .map(|i| QueueId(i as u32))
    }

    fn enqueue(&mut self, queue: QueueId, message: Rc<Message>, ctx: &mut Ctx<'_, Action>) {
        let q = &mut self.queues[queue.index()];
        if q.is_full() {
            match q.overflow {
                Overflow::RejectPublish => {
                    ctx.emit(EventKind::MessageRefused {
                        message: message.id,
                        queue,
                    });
                    return;
                }
                Overflow::DropHead => {
                    if let Some(oldest) = q.ready.pop_front() {
                        self.discard(queue, oldest, DeathReason::Maxlen, ctx);
                    }
                }
            }
        }
        let q = &mut self.queues[queue.index()];
        let was_empty = q.ready_count() == 0;
        q.push(message.clone(), ctx.now);
        ctx.emit(EventKind::MessageEnqueued {
            message: message.id,
            queue,
            ready: q.ready_count(),
        });
        if was_empty {
            self.schedule_expiry(queue, ctx);
        }
        self.dispatch(queue, ctx);
    }

    /// Pushes ready messages to consumers with room, in turn.
    fn dispatch(&mut self, queue: QueueId, ctx: &mut Ctx<'_, Action>) {
        loop {
            self.drop_expired_head(queue, ctx);
            if self.queues[queue.index()].ready_count() == 0 {
                return;
            }
            let Some(consumer) = self.next_consumer(queue) else {
                return;
            };
            let Some(queued) = self.queues[queue.index()].take_next() else {
                return;
            };
            let auto_ack = self.consumers[consumer.index()].auto_ack;
            self.deliver(queue, queued, consumer, auto_ack, ctx);
        }
    }

    /// `basic.get`: the next ready message of `queue`, if it has one, goes
    /// to `consumer` (acknowledged on sending with `auto_ack`).
    fn get(
        &mut self,
        consumer: RabbitConsumerId,
        queue: QueueId,
        auto_ack: bool,
        ctx: &mut Ctx<'_, Action>,
    ) {
        if !self.queues[queue.index()].is_live() {
            return;
        }
        self.drop_expired_head(queue, ctx);
        if let Some(queued) = self.queues[queue.index()].take_next() {
            self.deliver(queue, queued, consumer, auto_ack, ctx);
        }
    }

    /// Sends `queued`, taken from `queue`, to `consumer`. Unless it is
    /// acknowledged on sending (`auto_ack`), the broker keeps it until the
    /// consumer settles it.
    fn deliver(
        &mut self,
        queue: QueueId,
        queued: Queued,
        consumer: RabbitConsumerId,
        auto_ack: bool,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        let delivery_tag = c.take_tag();
        let incarnation = c.incarnation;
        let message = queued.message.clone();
        let redelivered = queued.redelivered;
        if !auto_ack {
            self.queues[queue.index()].unacked += 1;
            self.unacked[consumer.index()].insert(delivery_tag, Unacked { queue, queued });
        }
        let arrives_at = ctx.send(Action::Deliver {
            consumer,
            incarnation,
            delivery_tag,
            message: message.clone(),
        });
        ctx.emit(EventKind::MessageDelivered {
            message: message.id,
            queue,
            consumer,
            delivery_tag,
            redelivered,
            arrives_at,
            copy: Some(message),
        });
        self.schedule_expiry(queue, ctx);
    }

    /// The next consumer of `queue`, in turn, with room under its prefetch.
    fn next_consumer(&mut self, queue: QueueId) -> Option<RabbitConsumerId> {
        let (consumers, next) = &mut self.queue_consumers[queue.index()];
        let count = consumers.len();
        for k in 0..count {
            let candidate = consumers[(*next + k) % count];
            let c = &self.consumers[candidate.index()];
            // Only what this consumer (since its last basic.consume) holds.
            let in_flight = self.unacked[candidate.index()]
                .range(c.counted_from..)
                .count() as u32;
            if c.running && (c.prefetch == 0 || in_flight < c.prefetch) {
                *next = (*next + k + 1) % count;
                return Some(candidate);
            }
        }
        None
    }

    fn on_deliver(
        &mut self,
        consumer: RabbitConsumerId,
        delivery_tag: u64,
        message: Rc<Message>,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let c = &mut self.consumers[consumer.index()];
        if c.by_hand {
            // It waits for the timeline's ack or nack for what the broker
            // keeps; what it acknowledged on sending (auto_ack, or a
            // basic.get without acks) is consumed.
            if self.unacked[consumer.index()].contains_key(&delivery_tag) {
                c.inbox.push_back((delivery_tag, message));
            } else {
                c.handled += 1;
                ctx.emit(EventKind::MessageConsumed {
                    message: message.id,
                    consumer,
                });
            }
            return;
        }
        let idle = c.inbox.is_empty();
        c.inbox.push_back((delivery_tag, message));
        if idle {
            ctx.at(
                ctx.now + c.processing_ms,
                Action::Handled {
                    consumer,
                    incarnation: c.incarnation,
                },
            );
        }
    }

    fn on_handled(&mut self, consumer: RabbitConsumerId, ctx: &mut Ctx<'_, Action>) {
        let c = &mut self.consumers[consumer.index()];
        let Some((delivery_tag, message)) = c.inbox.pop_front() else {
            return;
        };
        let outcome = c.outcome(&message);
        if !c.inbox.is_empty() {
            ctx.at(
                ctx.now + c.processing_ms,
                Action::Handled {
                    consumer,
                    incarnation: c.incarnation,
                },
            );
        }
        if c.auto_ack {
            c.handled += 1;
            ctx.emit(EventKind::MessageConsumed {
                message: message.id,
                consumer,
            });
            return;
        }
        send_settlement(consumer, delivery_tag, message.id, outcome, ctx);
    }

    /// A consumer acknowledging by hand settles what it holds: the
    /// delivery `delivery_tag`, or with `multiple` every one up to it (all
    /// of them for tag 0, as AMQP has it). A tag it does not hold (not yet
    /// arrived, settled already, never given) settles nothing; a live
    /// client's is refused before it gets here, as RabbitMQ refuses it.
    fn settle_by_hand(
        &mut self,
        consumer: RabbitConsumerId,
        delivery_tag: u64,
        multiple: bool,
        outcome: Settlement,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let inbox = &mut self.consumers[consumer.index()].inbox;
        let settled: Vec<(u64, Rc<Message>)> = if multiple {
            let upto = |tag: u64| delivery_tag == 0 || tag <= delivery_tag;
            let count = inbox.iter().take_while(|(tag, _)| upto(*tag)).count();
            inbox.drain(..count).collect()
        } else {
            let at = inbox.iter().position(|(tag, _)| *tag == delivery_tag);
            at.and_then(|i| inbox.remove(i)).into_iter().collect()
        };
        for (delivery_tag, message) in settled {
            send_settlement(consumer, delivery_tag, message.id, outcome, ctx);
        }
    }

    fn on_settle(
        &mut self,
        consumer: RabbitConsumerId,
        delivery_tag: u64,
        outcome: Settlement,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let Some(Unacked { queue, queued }) = self.unacked[consumer.index()].remove(&delivery_tag)
        else {
            return;
        };
        self.queues[queue.index()].unacked -= 1;
        match outcome {
            Settlement::Ack => self.consumers[consumer.index()].handled += 1,
            Settlement::Reject => self.discard(queue, queued, DeathReason::Rejected, ctx),
            Settlement::Requeue => self.give_back(queue, queued, ctx),
        }
        self.dispatch(queue, ctx);
    }

    /// A delivery comes back to `queue` unsettled: requeued at its place,
    /// or, past a quorum queue's delivery limit, dead-lettered.
    fn give_back(&mut self, queue: QueueId, mut queued: Queued, ctx: &mut Ctx<'_, Action>) {
        let q = &self.queues[queue.index()];
        if q.kind == QueueType::Quorum {
            queued.delivery_count += 1;
        }
        if q.delivery_limit
            .is_some_and(|limit| queued.delivery_count > limit)
        {
            self.discard(queue, queued, DeathReason::DeliveryLimit, ctx);
            return;
        }
        queued.redelivered = true;
        ctx.emit(EventKind::MessageRequeued {
            message: queued.message.id,
            queue,
            delivery_count: queued.delivery_count,
        });
        self.queues[queue.index()].requeue(queued);
        self.schedule_expiry(queue, ctx);
    }

    /// A message leaves `queue` unacknowledged for `reason`: to the queue's
    /// dead-letter exchange, or gone.
    fn discard(
        &mut self,
        queue: QueueId,
        queued: Queued,
        reason: DeathReason,
        ctx: &mut Ctx<'_, Action>,
    ) {
        let q = &self.queues[queue.index()];
        let dead_letter_exchange = q.dead_letter_exchange.clone();
        ctx.emit(EventKind::MessageDiscarded {
            message: queued.message.id,
            queue,
            reason,
            dead_letter_exchange: dead_letter_exchange.clone(),
        });
        if let Some(dlx) = dead_letter_exchange {
            let message = queued.message.dead_lettered(
                &q.name,
                reason,
                &dlx,
                q.dead_letter_routing_key.as_ref(),
                ctx.now,
            );
            // Dead-lettering happens inside the broker: no network hop.
            ctx.at(
                ctx.now,
                Action::Route {
                    message: Rc::new(message),
                    mandatory: false,
                },
            );
        }
    }

    /// Expired messages at the head leave the queue (RabbitMQ expires only
    /// at the head).
    fn drop_expired_head(&mut self, queue: QueueId, ctx: &mut Ctx<'_, Action>) {
        while self.queues[queue.index()]
            .head_expires_at()
            .is_some_and(|at| at <= ctx.now)
        {
            if let Some(expired) = self.queues[queue.index()].ready.pop_front() {
                self.discard(queue, expired, DeathReason::Expired, ctx);
            }
        }
    }

    fn expire(&mut self, queue: QueueId, ctx: &mut Ctx<'_, Action>) {
        self.queues[queue.index()].expiry_timer = None;
        self.drop_expired_head(queue, ctx);
        self.schedule_expiry(queue, ctx);
    }

    /// Sets the queue's timer for when its head expires, unless it is set
    /// for then already.
    fn schedule_expiry(&mut self, queue: QueueId, ctx: &mut Ctx<'_, Action>) {
        let q = &mut self.queues[queue.index()];
        let Some(at) = q.head_expires_at().map(|at| at.max(ctx.now)) else {
            return;
        };
        if q.expiry_timer.is_some_and(|t| t <= at) {
            return;
        }
        q.expiry_timer = Some(at);
        ctx.at(at, Action::Expire { queue });
    }
}

/// A consumer sends its `ack` or `nack` for `delivery_tag` (message
/// `message`) to the broker.
fn send_settlement(
    consumer: RabbitConsumerId,
    delivery_tag: u64,
    message: MessageId,
    outcome: Settlement,
    ctx: &mut Ctx<'_, Action>,
) {
    let arrives_at = ctx.send(Action::Settle {
        consumer,
        delivery_tag,
        outcome,
    });
    ctx.emit(EventKind::MessageSettled {
        message,
        consumer,
        delivery_tag,
        outcome,
        arrives_at,
    });
}
