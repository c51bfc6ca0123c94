//! Topic exchange matching, as RabbitMQ does it.
//!
//! A routing key is a list of *words* separated by dots: `eu.orders.paid`
//! is `eu`, `orders`, `paid`. Every dot separates two words, so `a..b` has
//! an empty middle word and `a.` ends with one; the empty key has no words
//! at all. A binding key matches word by word, where `*` stands for exactly
//! one word (an empty one too) and `#` for zero or more words.
//!
//! RabbitMQ keeps each topic exchange's binding keys in a trie of words
//! (`rabbit_exchange_type_topic`), so the cost of routing a message depends
//! on the shape of the keys, not on how many bindings there are; this trie
//! does the same.

use litemap::LiteMap;
use std::collections::HashMap;

/// Splits a routing or binding key into words, as
/// `rabbit_exchange_type_topic:split_topic_key/1` does.
pub fn words(key: &str) -> Vec<&str> {
    if key.is_empty() {
        Vec::new()
    } else {
        key.split('.').collect()
    }
}

/// One node of the trie: the bindings whose key ends here, and the edges
/// to longer keys. The word edges are only ever looked up, never iterated,
/// so a hash map keeps the run deterministic.
#[derive(Clone, Debug, Default)]
struct Node<B> {
    bindings: Vec<B>,
    words: HashMap<String, usize>,
    star: Option<usize>,
    hash: Option<usize>,
}

/// The binding keys of one topic exchange, each with a value `B` (which
/// binding it is).
#[derive(Clone, Debug)]
pub struct TopicTrie<B> {
    nodes: Vec<Node<B>>,
}

impl<B> Default for TopicTrie<B> {
    fn default() -> Self {
        TopicTrie {
            nodes: vec![Node {
                bindings: Vec::new(),
                words: HashMap::new(),
                star: None,
                hash: None,
            }],
        }
    }
}

impl<B: Clone + Ord> TopicTrie<B> {
    /// Adds a binding with `binding_key`.
    pub fn insert(&mut self, binding_key: &str, binding: B) {
        let mut node = 0;
        for word in words(binding_key) {
            node = match word {
                "*" => self.edge(node, |n| &mut n.star),
                "#" => self.edge(node, |n| &mut n.hash),
                _ => match self.nodes[node].words.get(word) {
                    Some(&next) => next,
                    None => {
                        let next = self.new_node();
                        self.nodes[node].words.insert(word.to_string(), next);
                        next
                    }
                },
            };
        }
        self.nodes[node].bindings.push(binding);
    }

    fn new_node(&mut self) -> usize {
        self.nodes.push(Node {
            bindings: Vec::new(),
            words: HashMap::new(),
            star: None,
            hash: None,
        });
        self.nodes.len() - 1
    }

    fn edge(&mut self, node: usize, slot: impl Fn(&mut Node<B>) -> &mut Option<usize>) -> usize {
        if let Some(next) = *slot(&mut self.nodes[node]) {
            return next;
        }
        let next = self.new_node();
        *slot(&mut self.nodes[node]) = Some(next);
        next
    }

    /// Every binding whose key matches `routing_key`, each once, in order.
    pub fn matches(&self, routing_key: &str) -> Vec<B> {
        let words = words(routing_key);
        let mut found = LiteMap::new_vec();
        let mut visited = LiteMap::new_vec();
        self.walk(0, &words, 0, &mut visited, &mut found);
        found
            .into_tuple_vec()
            .into_iter()
            .map(|(b, ())| b)
            .collect()
    }

    /// Matches `words[i..]` from `node`. `visited` keeps the walk linear in
    /// the trie's size: a (node, position) pair is explored once.
    fn walk(
        &self,
        node: usize,
        words: &[&str],
        i: usize,
        visited: &mut LiteMap<(usize, usize), ()>,
        found: &mut LiteMap<B, ()>,
    ) {
        if visited.insert((node, i), ()).is_some() {
            return;
        }
        let n = &self.nodes[node];
        if let Some(hash) = n.hash {
            // `#` swallows zero or more of the remaining words.
            for j in i..=words.len() {
                self.walk(hash, words, j, visited, found);
            }
        }
        if i == words.len() {
            for b in &n.bindings {
                found.insert(b.clone(), ());
            }
            return;
        }
        if let Some(&next) = n.words.get(words[i]) {
            self.walk(next, words, i + 1, visited, found);
        }
        if let Some(star) = n.star {
            self.walk(star, words, i + 1, visited, found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_on_every_dot() {
        assert_eq!(words(""), Vec::<&str>::new());
        assert_eq!(words("a"), ["a"]);
        assert_eq!(words("a..b"), ["a", "", "b"]);
        assert_eq!(words(".a."), ["", "a", ""]);
        assert_eq!(words("."), ["", ""]);
    }

    /// The binding table and expectations of RabbitMQ's own topic exchange
    /// test (`unit_SUITE`/`test_topic_matching` in rabbitmq-server): 26
    /// binding keys, each bound to queue `tN`, and the queues each routing
    /// key reaches.
    #[test]
    fn matches_rabbitmqs_topic_matching_test() {
        let keys = [
            "a.b.c",
            "a.*.c",
            "a.#.b",
            "a.b.b.c",
            "#",
            "#.#",
            "#.b",
            "*.*",
            "a.*",
            "*.b.c",
            "a.#",
            "a.#.#",
            "b.b.c",
            "a.b.b",
            "a.b",
            "b.c",
            "",
            "*.*.*",
            "vodka.martini",
            "a.b.c",
            "*.#",
            "#.*.#",
            "*.#.#",
            "#.#.#",
            "*",
            "#.b.#",
        ];
        let mut trie = TopicTrie::default();
        for (i, key) in keys.iter().enumerate() {
            trie.insert(key, i + 1);
        }
        let cases: &[(&str, &[usize])] = &[
            (
                "a.b.c",
                &[1, 2, 5, 6, 10, 11, 12, 18, 20, 21, 22, 23, 24, 26],
            ),
            ("a.b", &[3, 5, 6, 7, 8, 9, 11, 12, 15, 21, 22, 23, 24, 26]),
            ("a.b.b", &[3, 5, 6, 7, 11, 12, 14, 18, 21, 22, 23, 24, 26]),
            ("", &[5, 6, 17, 24]),
            ("b.c.c", &[5, 6, 18, 21, 22, 23, 24, 26]),
            ("a.a.a.a.a", &[5, 6, 11, 12, 21, 22, 23, 24]),
            ("vodka.gin", &[5, 6, 8, 21, 22, 23, 24]),
            ("vodka.martini", &[5, 6, 8, 19, 21, 22, 23, 24]),
            ("b.b.c", &[5, 6, 10, 13, 18, 21, 22, 23, 24, 26]),
            ("nothing.here.at.all", &[5, 6, 21, 22, 23, 24]),
            ("oneword", &[5, 6, 21, 22, 23, 24, 25]),
        ];
        for (routing_key, expected) in cases {
            let got: Vec<usize> = trie.matches(routing_key).into_iter().collect();
            assert_eq!(&got, expected, "routing key {routing_key:?}");
        }
    }

    /// Empty words are words: `*` matches one (even empty), `#` any number.
    #[test]
    fn empty_words_and_stray_dots() {
        let mut trie = TopicTrie::default();
        for (i, key) in ["a.*.b", "*", "#.#", "a.#.b", ".", "*.*"]
            .iter()
            .enumerate()
        {
            trie.insert(key, i);
        }
        let m = |key| trie.matches(key).into_iter().collect::<Vec<_>>();
        assert_eq!(m("a..b"), [0, 2, 3], "`*` takes the empty middle word");
        assert_eq!(m("a.b"), [2, 3, 5], "`#` takes zero words");
        assert_eq!(m(""), [2], "no words: `*` needs one");
        assert_eq!(m("."), [2, 4, 5], "two empty words");
        assert_eq!(m("a."), [2, 5], "a trailing dot adds an empty word");
    }
}
