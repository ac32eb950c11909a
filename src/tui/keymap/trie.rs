//! The key trie of one mode: a chord is a path from the root, an action sits on a leaf. A
//! node either runs an action or waits for more keys, never both (the loader reports a chord
//! that is the prefix of another).

use super::key::Key;
use crate::tui::action::Action;
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub struct Trie {
    root: Node,
}

#[derive(Debug, Clone, Default)]
struct Node {
    action: Option<Action>,
    children: HashMap<Key, Node>,
}

/// Where a sequence of keys leads in one trie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A complete chord.
    Action(Action),
    /// The start of one or more chords: wait for the next key.
    Prefix,
    /// Nothing starts with these keys.
    None,
}

impl Trie {
    pub fn insert(&mut self, keys: &[Key], action: Action) {
        let mut node = &mut self.root;
        for k in keys {
            node = node.children.entry(*k).or_default();
        }
        node.action = Some(action);
    }

    fn node(&self, keys: &[Key]) -> Option<&Node> {
        let mut node = &self.root;
        for k in keys {
            node = node.children.get(k)?;
        }
        Some(node)
    }

    pub fn step(&self, keys: &[Key]) -> Step {
        match self.node(keys) {
            None => Step::None,
            Some(n) => match n.action {
                Some(a) => Step::Action(a),
                None if !n.children.is_empty() => Step::Prefix,
                None => Step::None,
            },
        }
    }

    /// The keys that can follow `prefix`, with the action they complete (None: a longer chord).
    pub fn continuations(&self, prefix: &[Key]) -> Vec<(Key, Option<Action>)> {
        self.node(prefix)
            .map(|n| n.children.iter().map(|(k, c)| (*k, c.action.filter(|_| c.children.is_empty()))).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::key::Chord;

    #[test]
    fn chords_wait_for_their_last_key() {
        let mut t = Trie::default();
        let gg = Chord::parse("g g").unwrap();
        let gt = Chord::parse("g t").unwrap();
        t.insert(gg.keys(), Action::Top);
        t.insert(gt.keys(), Action::NextTab);
        t.insert(Chord::parse("j").unwrap().keys(), Action::Down);
        assert_eq!(t.step(&gg.keys()[..1]), Step::Prefix);
        assert_eq!(t.step(gg.keys()), Step::Action(Action::Top));
        assert_eq!(t.step(gt.keys()), Step::Action(Action::NextTab));
        assert_eq!(t.step(Chord::parse("g x").unwrap().keys()), Step::None);
        assert_eq!(t.step(Chord::parse("j").unwrap().keys()), Step::Action(Action::Down));
        let mut next = t.continuations(&gg.keys()[..1]);
        next.sort_by_key(|(k, _)| k.to_string());
        assert_eq!(next.len(), 2);
        assert_eq!(next[0].1, Some(Action::Top));
    }
}
