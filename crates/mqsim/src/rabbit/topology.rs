//! Exchanges, queues and bindings, and how a published message is routed.
//!
//! A publisher never writes to a queue. It publishes to an *exchange* with
//! a routing key (and headers), and the exchange picks destinations among
//! its *bindings*:
//! - `direct`: bindings whose key equals the routing key;
//! - `fanout`: every binding, whatever the key;
//! - `topic`: bindings whose key pattern matches ([`super::topic`]);
//! - `headers`: bindings whose arguments match the headers
//!   ([`super::headers`]).
//!
//! The *default exchange* (named `""`) is a direct exchange every queue is
//! bound to by its own name: publishing to it with routing key `q` reaches
//! queue `q`. A binding's destination can be another exchange, which routes
//! the message further; each exchange is visited at most once per message.
//! An exchange that routes a message nowhere hands it to its *alternate
//! exchange*, if it has one. A message that reaches no queue at all is
//! returned to its publisher if it was published `mandatory`, and dropped
//! otherwise (`rabbit_exchange:route/2`).

use super::headers::{self, FieldTable, XMatch};
use super::topic::TopicTrie;
use litemap::LiteMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The four exchange types.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ExchangeType {
    Direct,
    Fanout,
    Topic,
    Headers,
}

impl ExchangeType {
    pub fn name(self) -> &'static str {
        match self {
            ExchangeType::Direct => "direct",
            ExchangeType::Fanout => "fanout",
            ExchangeType::Topic => "topic",
            ExchangeType::Headers => "headers",
        }
    }

    pub fn parse(name: &str) -> Option<ExchangeType> {
        [
            ExchangeType::Direct,
            ExchangeType::Fanout,
            ExchangeType::Topic,
            ExchangeType::Headers,
        ]
        .into_iter()
        .find(|t| t.name() == name)
    }
}

impl fmt::Display for ExchangeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An exchange as declared.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exchange {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ExchangeType,
    /// Clients cannot publish to it; only other exchanges route to it.
    #[serde(default)]
    pub internal: bool,
    /// Where messages go that this exchange routes nowhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternate_exchange: Option<String>,
}

/// What a binding points at.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(
    tag = "destination_type",
    content = "destination",
    rename_all = "lowercase"
)]
pub enum Destination {
    Queue(String),
    Exchange(String),
}

impl Destination {
    pub fn name(&self) -> &str {
        match self {
            Destination::Queue(name) | Destination::Exchange(name) => name,
        }
    }
}

/// A binding from an exchange to a queue or another exchange.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct Binding {
    pub source: String,
    #[serde(flatten)]
    pub destination: Destination,
    #[serde(default)]
    pub routing_key: String,
    #[serde(default, skip_serializing_if = "FieldTable::is_empty")]
    pub arguments: FieldTable,
}

/// Read flat (what `#[serde(flatten)]` would derive buffers every binding).
impl<'de> Deserialize<'de> for Binding {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            source: String,
            destination: String,
            destination_type: Kind,
            #[serde(default)]
            routing_key: String,
            #[serde(default)]
            arguments: FieldTable,
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "lowercase")]
        enum Kind {
            Queue,
            Exchange,
        }
        let raw = Raw::deserialize(deserializer)?;
        Ok(Binding {
            source: raw.source,
            destination: match raw.destination_type {
                Kind::Queue => Destination::Queue(raw.destination),
                Kind::Exchange => Destination::Exchange(raw.destination),
            },
            routing_key: raw.routing_key,
            arguments: raw.arguments,
        })
    }
}

/// Why a topology could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopologyError(pub String);

impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TopologyError {}

/// One step a message took: an exchange passed it along a binding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Hop {
    pub exchange: String,
    /// The binding's routing key; none when the default exchange delivered
    /// by queue name, or an alternate exchange took over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_key: Option<String>,
    /// The destination: a queue or an exchange.
    #[serde(flatten)]
    pub to: Destination,
    /// Set when the hop is to an alternate exchange.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub alternate: bool,
}

/// Where a message went.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Route {
    /// The queues it reached, sorted, each once.
    pub queues: Vec<String>,
    /// How it got there, in the order the exchanges were visited.
    pub via: Vec<Hop>,
}

impl Route {
    /// Adds `queue` to the queues reached, keeping them sorted and each once.
    fn reach(&mut self, queue: &str) {
        if let Err(at) = self.queues.binary_search_by(|q| q.as_str().cmp(queue)) {
            self.queues.insert(at, queue.to_string());
        }
    }
}

/// How one exchange finds its bindings for a message.
#[derive(Clone, Debug)]
enum Index {
    /// Routing key → bindings.
    Direct(LiteMap<String, Vec<usize>>),
    Fanout(Vec<usize>),
    Topic(TopicTrie<usize>),
    Headers(Vec<usize>),
}

/// Exchanges, queues and bindings of one virtual host, indexed for routing.
#[derive(Clone, Debug)]
pub struct Topology {
    exchanges: LiteMap<String, (Exchange, Index)>,
    queues: LiteMap<String, ()>,
    bindings: Vec<Binding>,
}

/// The exchanges every virtual host has without declaring them.
pub fn predeclared_exchanges() -> Vec<Exchange> {
    [
        ("amq.direct", ExchangeType::Direct),
        ("amq.fanout", ExchangeType::Fanout),
        ("amq.topic", ExchangeType::Topic),
        ("amq.headers", ExchangeType::Headers),
        ("amq.match", ExchangeType::Headers),
    ]
    .into_iter()
    .map(|(name, kind)| Exchange {
        name: name.to_string(),
        kind,
        internal: false,
        alternate_exchange: None,
    })
    .collect()
}

impl Topology {
    /// Builds the topology. The predeclared `amq.*` exchanges are added
    /// unless declared explicitly; every binding must name an existing
    /// source and destination.
    pub fn new(
        exchanges: &[Exchange],
        queues: &[String],
        bindings: &[Binding],
    ) -> Result<Topology, TopologyError> {
        let mut topology = Topology {
            exchanges: LiteMap::new_vec(),
            queues: crate::sort::lite_set(queues.iter().cloned()),
            bindings: Vec::new(),
        };
        for exchange in predeclared_exchanges().iter().chain(exchanges) {
            if exchange.name.is_empty() {
                return Err(TopologyError(
                    "the default exchange \"\" cannot be declared".into(),
                ));
            }
            let index = match exchange.kind {
                ExchangeType::Direct => Index::Direct(LiteMap::new_vec()),
                ExchangeType::Fanout => Index::Fanout(Vec::new()),
                ExchangeType::Topic => Index::Topic(TopicTrie::default()),
                ExchangeType::Headers => Index::Headers(Vec::new()),
            };
            topology
                .exchanges
                .insert(exchange.name.clone(), (exchange.clone(), index));
        }
        for (i, binding) in bindings.iter().enumerate() {
            topology
                .bind_field(binding.clone())
                .map_err(|(field, TopologyError(why))| {
                    TopologyError(format!("bindings[{i}].{field}: {why}"))
                })?;
        }
        Ok(topology)
    }

    /// Adds one binding, which must name an existing source and destination.
    pub(crate) fn bind(&mut self, binding: Binding) -> Result<(), TopologyError> {
        self.bind_field(binding).map_err(|(_, why)| why)
    }

    /// [`Topology::bind`], naming the binding's field that is wrong.
    fn bind_field(&mut self, binding: Binding) -> Result<(), (&'static str, TopologyError)> {
        let wrong = |field, why: String| Err((field, TopologyError(why)));
        if binding.source.is_empty() {
            return wrong(
                "source",
                "nothing can be bound to the default exchange".into(),
            );
        }
        match &binding.destination {
            Destination::Queue(q) if !self.queues.contains_key(q) => {
                return wrong("destination", format!("no queue named {q:?}"));
            }
            Destination::Exchange(x) if !self.exchanges.contains_key(x) => {
                return wrong("destination", format!("no exchange named {x:?}"));
            }
            _ => {}
        }
        let id = self.bindings.len();
        let Some((exchange, index)) = self.exchanges.get_mut(&binding.source) else {
            return wrong("source", format!("no exchange named {:?}", binding.source));
        };
        if exchange.kind == ExchangeType::Headers && XMatch::of(&binding.arguments).is_none() {
            return wrong(
                "arguments",
                "x-match must be all, any, all-with-x or any-with-x".into(),
            );
        }
        match index {
            Index::Direct(by_key) => by_key
                .entry(binding.routing_key.clone())
                .or_default()
                .push(id),
            Index::Fanout(all) | Index::Headers(all) => all.push(id),
            Index::Topic(trie) => trie.insert(&binding.routing_key, id),
        }
        self.bindings.push(binding);
        Ok(())
    }

    pub fn exchange(&self, name: &str) -> Option<&Exchange> {
        self.exchanges.get(name).map(|(x, _)| x)
    }

    pub fn has_queue(&self, name: &str) -> bool {
        self.queues.contains_key(name)
    }

    /// Whether `binding` is in force: bindings are a set, so binding again
    /// what is bound changes nothing.
    pub fn has_binding(&self, binding: &Binding) -> bool {
        self.bindings.contains(binding)
    }

    /// Routes a message published to `exchange` (`""`: the default
    /// exchange) with `routing_key` and `headers`. Fails for an unknown or
    /// internal exchange, as a publish would.
    pub fn route(
        &self,
        exchange: &str,
        routing_key: &str,
        headers: &FieldTable,
    ) -> Result<Route, TopologyError> {
        let mut route = Route::default();
        if exchange.is_empty() {
            if self.queues.contains_key(routing_key) {
                route.reach(routing_key);
                route.via.push(Hop {
                    exchange: String::new(),
                    routing_key: None,
                    to: Destination::Queue(routing_key.to_string()),
                    alternate: false,
                });
            }
            return Ok(route);
        }
        match self.exchange(exchange) {
            None => return Err(TopologyError(format!("no exchange named {exchange:?}"))),
            Some(x) if x.internal => {
                return Err(TopologyError(format!(
                    "exchange {exchange:?} is internal: clients cannot publish to it"
                )));
            }
            Some(_) => {}
        }
        // `rabbit_exchange:route1/3`: a work list of exchanges (last in,
        // first out) and the set of exchanges already seen.
        let mut work = vec![exchange.to_string()];
        let mut seen = crate::sort::lite_set([exchange.to_string()]);
        while let Some(name) = work.pop() {
            let Some((x, index)) = self.exchanges.get(&name) else {
                continue;
            };
            let matched = self.matching(index, routing_key, headers);
            let mut hops: Vec<Hop> = matched
                .iter()
                .map(|&b| {
                    let binding = &self.bindings[b];
                    Hop {
                        exchange: name.clone(),
                        routing_key: Some(binding.routing_key.clone()),
                        to: binding.destination.clone(),
                        alternate: false,
                    }
                })
                .collect();
            if hops.is_empty()
                && let Some(alternate) = &x.alternate_exchange
            {
                hops.push(Hop {
                    exchange: name.clone(),
                    routing_key: None,
                    to: Destination::Exchange(alternate.clone()),
                    alternate: true,
                });
            }
            for hop in hops {
                match &hop.to {
                    Destination::Queue(q) => {
                        route.reach(q);
                    }
                    Destination::Exchange(next) => {
                        if seen.insert(next.clone(), ()).is_some()
                            || !self.exchanges.contains_key(next)
                        {
                            continue;
                        }
                        work.push(next.clone());
                    }
                }
                route.via.push(hop);
            }
        }
        Ok(route)
    }

    /// The bindings of one exchange that a message matches, in binding order.
    fn matching(&self, index: &Index, routing_key: &str, headers: &FieldTable) -> Vec<usize> {
        match index {
            Index::Direct(by_key) => by_key.get(routing_key).cloned().unwrap_or_default(),
            Index::Fanout(all) => all.clone(),
            Index::Topic(trie) => trie.matches(routing_key),
            Index::Headers(all) => all
                .iter()
                .copied()
                .filter(|&b| headers::matches(&self.bindings[b].arguments, headers))
                .collect(),
        }
    }
}
