//! The skeleton as a pattern over token trees, and the matcher.
//!
//! Both files are lexed into token trees; comments (doc comments too) and
//! whitespace are dropped. In the skeleton, each `todo!(…)` — with the `;`
//! after it, if any — becomes a hole: it matches any run of the
//! submission's token trees (possibly none) in the same group. Every other
//! tree must be equal: same identifier, punctuation or literal text, or a
//! group with the same delimiter whose contents match in turn.
//!
//! One group level at a time: a level without holes matches tree by tree.
//! A level with holes is `first * middle… * last`: `first` must start the
//! group, `last` must end it, and each middle run is taken at its leftmost
//! place. With runs of fixed trees and holes that match anything, leftmost
//! is always a right choice (it leaves the most room for what follows), so
//! there is no backtracking, and each (pattern tree, submission tree) pair
//! is compared at most once. Hole-free trees are compared by hash first,
//! so a mismatch costs one comparison, and a budget bounds the rest: a
//! submission is hostile input.

use proc_macro2::{Delimiter, LineColumn, Spacing, Span, TokenStream, TokenTree};
use std::hash::{BuildHasher, Hash, Hasher};

/// Where a token starts: line (from 1) and column (from 0, in chars), as
/// proc_macro2 counts them.
pub type Pos = (usize, usize);

/// Tree comparisons one check may make before it gives up (about a second
/// in a debug build). A submission that keeps its skeleton needs one or two
/// per token at the levels that hold holes: a few thousand, a million for
/// the largest file accepted.
const BUDGET: u64 = 5_000_000;

/// A token tree with what matching needs.
pub struct Tree {
    pub kind: Kind,
    pub pos: Pos,
    /// Hash of the whole subtree, so unequal subtrees differ in O(1).
    hash: u64,
    /// A hole somewhere inside (only skeleton trees have holes).
    holes: bool,
}

pub enum Kind {
    Ident(Box<str>),
    /// Compared with its spacing: `&&` and `& &` are different Rust, so the
    /// space between two punctuation marks is the one that counts.
    Punct(char, Spacing),
    Literal(Box<str>),
    Group {
        delim: Delimiter,
        children: Vec<Tree>,
        /// Where the closing delimiter is: the end the group's contents
        /// reach.
        close: Pos,
    },
    /// A `todo!(…)` of the skeleton: matches any run of trees.
    Hole,
}

pub fn pos(span: Span) -> Pos {
    let LineColumn { line, column } = span.start();
    (line, column)
}

/// The trees of `stream`, without doc comments (the lexer turns `///` and
/// `//!` into `#[doc]` attributes; a comment is free to change). With
/// `holes`, each `todo!(…)` (and the `;` after it) becomes a [`Kind::Hole`].
///
/// Recursive, one call per group level: the caller bounds the nesting
/// first.
pub fn build(stream: TokenStream, holes: bool, hasher: &impl BuildHasher) -> Vec<Tree> {
    let tokens: Vec<TokenTree> = stream.into_iter().collect();
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if let Some(n) = doc_comment(&tokens[i..]) {
            i += n;
        } else if let Some(n) = hole(&tokens[i..]).filter(|_| holes) {
            out.push(Tree {
                kind: Kind::Hole,
                pos: pos(tokens[i].span()),
                hash: hasher.hash_one(0u8),
                holes: true,
            });
            i += n;
        } else {
            out.push(tree(&tokens[i], holes, hasher));
            i += 1;
        }
    }
    out
}

fn tree(token: &TokenTree, holes: bool, hasher: &impl BuildHasher) -> Tree {
    let mut h = hasher.build_hasher();
    let (kind, has_holes) = match token {
        TokenTree::Ident(ident) => {
            let text = ident.to_string();
            (1u8, &text).hash(&mut h);
            (Kind::Ident(text.into()), false)
        }
        TokenTree::Punct(punct) => {
            let (c, spacing) = (punct.as_char(), punct.spacing());
            (2u8, c, spacing == Spacing::Joint).hash(&mut h);
            (Kind::Punct(c, spacing), false)
        }
        TokenTree::Literal(literal) => {
            let text = literal.to_string();
            (3u8, &text).hash(&mut h);
            (Kind::Literal(text.into()), false)
        }
        TokenTree::Group(group) => {
            let children = build(group.stream(), holes, hasher);
            (4u8, delimiter_index(group.delimiter())).hash(&mut h);
            for child in &children {
                child.hash.hash(&mut h);
            }
            let has_holes = children.iter().any(|c| c.holes);
            let kind = Kind::Group {
                delim: group.delimiter(),
                children,
                close: pos(group.span_close()),
            };
            (kind, has_holes)
        }
    };
    Tree {
        kind,
        pos: pos(token.span()),
        hash: h.finish(),
        holes: has_holes,
    }
}

fn delimiter_index(delim: Delimiter) -> u8 {
    match delim {
        Delimiter::Parenthesis => 0,
        Delimiter::Brace => 1,
        Delimiter::Bracket => 2,
        Delimiter::None => 3,
    }
}

/// How many tokens a doc comment at the start of `tokens` lexed into. The
/// lexer gives every token of `/// text` (`#`, `[doc = " text"]`) the
/// comment's own span, so a `#` that starts where its bracket starts is a
/// comment, while a written `#[doc]` has the `#` before the `[`.
fn doc_comment(tokens: &[TokenTree]) -> Option<usize> {
    let TokenTree::Punct(pound) = tokens.first()? else {
        return None;
    };
    if pound.as_char() != '#' {
        return None;
    }
    let inner = matches!(tokens.get(1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
    let at = 1 + usize::from(inner);
    match tokens.get(at)? {
        TokenTree::Group(g)
            if g.delimiter() == Delimiter::Bracket && g.span().start() == pound.span().start() =>
        {
            Some(at + 1)
        }
        _ => None,
    }
}

/// How many tokens a `todo!(…)`, with the `;` after it if any, at the start
/// of `tokens` takes.
fn hole(tokens: &[TokenTree]) -> Option<usize> {
    match tokens {
        [TokenTree::Ident(todo), TokenTree::Punct(bang), TokenTree::Group(args), rest @ ..]
            if todo == "todo"
                && bang.as_char() == '!'
                && args.delimiter() == Delimiter::Parenthesis =>
        {
            let semicolon = matches!(rest.first(), Some(TokenTree::Punct(p)) if p.as_char() == ';');
            Some(3 + usize::from(semicolon))
        }
        _ => None,
    }
}

/// How matching a submission against its skeleton ended.
pub enum Outcome<'a> {
    /// It matches; these are the runs of submission trees the holes took.
    Match(Vec<&'a [Tree]>),
    /// It does not: the farthest point the matcher reached, and what it
    /// found there instead of what it expected.
    Mismatch(Pos, String),
    /// The budget ran out first.
    TooBig,
}

/// Match `text` (a whole submission, ending at `eof`) against `pattern`.
pub fn match_file<'a>(pattern: &'a [Tree], text: &'a [Tree], eof: Pos) -> Outcome<'a> {
    let mut m = Matcher {
        budget: BUDGET,
        exhausted: false,
        miss: None,
        holes: vec![],
    };
    let end = End {
        pos: eof,
        delim: None,
    };
    let ok = m.seq(pattern, text, end);
    if m.exhausted {
        Outcome::TooBig
    } else if ok {
        Outcome::Match(m.holes)
    } else {
        let miss = m.miss.unwrap_or(Miss {
            pos: (1, 0),
            found: Side::Trees(text),
            expected: Side::Trees(pattern),
        });
        Outcome::Mismatch(miss.pos, miss.describe())
    }
}

/// The end of a group's contents (`delim: None`: of the file).
#[derive(Clone, Copy)]
struct End {
    pos: Pos,
    delim: Option<Delimiter>,
}

#[derive(Clone, Copy)]
enum Side<'a> {
    /// These trees (the first few are shown).
    Trees(&'a [Tree]),
    End(End),
}

/// A point where the submission and the pattern part.
#[derive(Clone, Copy)]
struct Miss<'a> {
    pos: Pos,
    found: Side<'a>,
    expected: Side<'a>,
}

impl Miss<'_> {
    fn describe(&self) -> String {
        format!(
            "found {}, expected {}",
            describe(self.found),
            describe(self.expected)
        )
    }
}

struct Matcher<'a> {
    budget: u64,
    exhausted: bool,
    /// The mismatch farthest into the submission seen so far: when the
    /// whole match fails, the likeliest place of the change.
    miss: Option<Miss<'a>>,
    holes: Vec<&'a [Tree]>,
}

impl<'a> Matcher<'a> {
    fn spend(&mut self) -> bool {
        if self.budget == 0 {
            self.exhausted = true;
            return false;
        }
        self.budget -= 1;
        true
    }

    fn record(&mut self, miss: Miss<'a>) {
        if self.miss.is_none_or(|m| miss.pos > m.pos) {
            self.miss = Some(miss);
        }
    }

    /// Does the group content `t` (ending at `end`) match the pattern `p`?
    fn seq(&mut self, p: &'a [Tree], t: &'a [Tree], end: End) -> bool {
        let runs: Vec<&'a [Tree]> = p.split(|n| matches!(n.kind, Kind::Hole)).collect();
        let mark = self.holes.len();
        let ok = match runs.as_slice() {
            [first, middle @ .., last] => self.starred(first, middle, last, t, end),
            [only] => self.exact(only, t, end),
            [] => t.is_empty(),
        };
        if !ok {
            self.holes.truncate(mark);
        }
        ok
    }

    /// `t` is exactly `p`, a run without holes.
    fn exact(&mut self, p: &'a [Tree], t: &'a [Tree], end: End) -> bool {
        if self.run(p, t, 0, end).is_err() {
            return false;
        }
        if let Some(extra) = t.get(p.len()) {
            self.record(Miss {
                pos: extra.pos,
                found: Side::Trees(&t[p.len()..]),
                expected: Side::End(end),
            });
            return false;
        }
        true
    }

    /// `t` is `first`, anything, each of `middle` in turn with anything
    /// around, and `last`.
    fn starred(
        &mut self,
        first: &'a [Tree],
        middle: &[&'a [Tree]],
        last: &'a [Tree],
        t: &'a [Tree],
        end: End,
    ) -> bool {
        if self.run(first, t, 0, end).is_err() {
            return false;
        }
        // Where `last` must start; if `t` is too short for both ends,
        // matching `last` runs out of trees and reports it.
        let tail = t.len().saturating_sub(last.len()).max(first.len());
        if self.run(last, t, tail, end).is_err() {
            return false;
        }
        let mut from = first.len();
        for &run in middle {
            match self.leftmost(run, t, from, tail, end) {
                Some(at) => {
                    self.holes.push(&t[from..at]);
                    from = at + run.len();
                }
                None => {
                    // Not found anywhere before `last`: say it was expected
                    // there (unless an attempt that got further said more).
                    let found = match t.get(tail) {
                        Some(tree) => (tree.pos, Side::Trees(&t[tail..])),
                        None => (end.pos, Side::End(end)),
                    };
                    self.record(Miss {
                        pos: found.0,
                        found: found.1,
                        expected: Side::Trees(run),
                    });
                    return false;
                }
            }
        }
        self.holes.push(&t[from..tail]);
        true
    }

    /// The first place at or after `from` where `run` matches, ending by
    /// `tail`.
    fn leftmost(
        &mut self,
        run: &'a [Tree],
        t: &'a [Tree],
        from: usize,
        tail: usize,
        end: End,
    ) -> Option<usize> {
        let mut at = from;
        while at + run.len() <= tail && !self.exhausted {
            let before = self.miss;
            match self.run(run, t, at, end) {
                Ok(()) => return Some(at),
                // A try that failed on its first tree got nowhere: it
                // says nothing about where the change is.
                Err(0) => self.miss = before,
                Err(_) => {}
            }
            at += 1;
        }
        None
    }

    /// Match `p` against the trees of `t` from `at` on (`t` may go on
    /// after). `Err(k)`: `p[k]` is where it failed.
    fn run(&mut self, p: &'a [Tree], t: &'a [Tree], at: usize, end: End) -> Result<(), usize> {
        let mark = self.holes.len();
        for k in 0..p.len() {
            let ok = if at + k < t.len() {
                self.tree(&p[k..], &t[at + k..])
            } else {
                self.record(Miss {
                    pos: end.pos,
                    found: Side::End(end),
                    expected: Side::Trees(&p[k..]),
                });
                false
            };
            if !ok {
                self.holes.truncate(mark);
                return Err(k);
            }
        }
        Ok(())
    }

    /// Does `t[0]` match `p[0]`? (The rest of each is context for
    /// messages.)
    fn tree(&mut self, p: &'a [Tree], t: &'a [Tree]) -> bool {
        if !self.spend() {
            return false;
        }
        let (pe, te) = (&p[0], &t[0]);
        if let (
            Kind::Group {
                delim: pd,
                children: pc,
                ..
            },
            Kind::Group {
                delim: td,
                children: tc,
                close,
            },
        ) = (&pe.kind, &te.kind)
        {
            if pe.holes && pd == td {
                let end = End {
                    pos: *close,
                    delim: Some(*td),
                };
                return self.seq(pc, tc, end);
            }
        }
        if !pe.holes && self.same(pe, te) {
            return true;
        }
        self.difference(p, t);
        false
    }

    /// Are the hole-free trees `p` and `t` equal?
    fn same(&mut self, p: &Tree, t: &Tree) -> bool {
        if p.hash != t.hash || !self.spend() {
            return false;
        }
        match (&p.kind, &t.kind) {
            (Kind::Ident(a), Kind::Ident(b)) | (Kind::Literal(a), Kind::Literal(b)) => a == b,
            (Kind::Punct(a, s), Kind::Punct(b, u)) => a == b && s == u,
            (
                Kind::Group {
                    delim: d,
                    children: pc,
                    ..
                },
                Kind::Group {
                    delim: e,
                    children: tc,
                    ..
                },
            ) => d == e && pc.len() == tc.len() && pc.iter().zip(tc).all(|(a, b)| self.same(a, b)),
            (Kind::Hole, Kind::Hole) => true,
            _ => false,
        }
    }

    /// Record where `t[0]` first differs from `p[0]`: inside, when both
    /// are groups of one kind.
    fn difference(&mut self, p: &'a [Tree], t: &'a [Tree]) {
        if let (
            Kind::Group {
                delim: d,
                children: pc,
                ..
            },
            Kind::Group {
                delim: e,
                children: tc,
                close,
            },
        ) = (&p[0].kind, &t[0].kind)
        {
            // Nothing inside `t[0]` gets past its close: if that cannot
            // beat the farthest miss, do not look.
            let hopeless = self.miss.is_some_and(|m| m.pos >= *close);
            if d == e && !p[0].holes && !hopeless {
                let end = End {
                    pos: *close,
                    delim: Some(*e),
                };
                return self.first_difference(pc, tc, end);
            }
        }
        self.record(Miss {
            pos: t[0].pos,
            found: Side::Trees(t),
            expected: Side::Trees(p),
        });
    }

    fn first_difference(&mut self, p: &'a [Tree], t: &'a [Tree], end: End) {
        for k in 0..p.len().max(t.len()) {
            match (p.get(k), t.get(k)) {
                (Some(_), None) => {
                    return self.record(Miss {
                        pos: end.pos,
                        found: Side::End(end),
                        expected: Side::Trees(&p[k..]),
                    })
                }
                (None, Some(extra)) => {
                    return self.record(Miss {
                        pos: extra.pos,
                        found: Side::Trees(&t[k..]),
                        expected: Side::End(end),
                    })
                }
                (Some(a), Some(b)) => {
                    if !self.spend() {
                        return;
                    }
                    if !self.same(a, b) {
                        return self.difference(&p[k..], &t[k..]);
                    }
                }
                (None, None) => return,
            }
        }
    }
}

/// A few tokens of `side`, as a student would recognise them in the file.
fn describe(side: Side) -> String {
    let trees = match side {
        Side::End(End { delim: None, .. }) => return "the end of the file".to_string(),
        Side::End(End {
            delim: Some(delim), ..
        }) => return format!("`{}`", delimiters(delim).1),
        Side::Trees(trees) => trees,
    };
    let mut out = String::new();
    let mut previous = String::new();
    let mut i = 0;
    let mut words = 0;
    while words < 3 {
        let Some(first) = trees.get(i) else { break };
        let word = match &first.kind {
            Kind::Ident(s) => s.to_string(),
            Kind::Literal(s) if s.chars().count() > 24 => {
                format!("{}…", s.chars().take(20).collect::<String>())
            }
            Kind::Literal(s) => s.to_string(),
            Kind::Punct(..) => {
                // A run of joined punctuation is one operator (`->`, `::`),
                // and a lifetime is one word (`'a`).
                let mut word = String::new();
                while let Some(Tree {
                    kind: Kind::Punct(c, spacing),
                    ..
                }) = trees.get(i)
                {
                    word.push(*c);
                    let joined = *spacing == Spacing::Joint;
                    match trees.get(i + 1).map(|t| &t.kind) {
                        Some(Kind::Punct(..)) if joined => i += 1,
                        Some(Kind::Ident(name)) if joined && *c == '\'' => {
                            word.push_str(name);
                            i += 1;
                            break;
                        }
                        _ => break,
                    }
                }
                word
            }
            Kind::Group {
                delim, children, ..
            } => {
                let (open, close) = delimiters(*delim);
                let inside = if children.is_empty() { "" } else { "…" };
                format!("{open}{inside}{close}")
            }
            Kind::Hole => "todo!(…)".to_string(),
        };
        // Paths and method calls read as one word (`crate::locks`).
        let joiner = word == "::" || word == ".";
        let glued = joiner
            || previous == "::"
            || previous == "."
            || previous.ends_with(['#', '!', '&'])
            || [",", ";", "?", "!"].contains(&word.as_str())
            || (word.starts_with(['(', '[']) && previous.ends_with(char::is_alphanumeric));
        if !out.is_empty() && !glued {
            out.push(' ');
        }
        out.push_str(&word);
        words += usize::from(!joiner);
        previous = word;
        i += 1;
    }
    if out.is_empty() {
        return "nothing".to_string();
    }
    format!("`{out}`")
}

fn delimiters(delim: Delimiter) -> (&'static str, &'static str) {
    match delim {
        Delimiter::Parenthesis => ("(", ")"),
        Delimiter::Brace => ("{", "}"),
        Delimiter::Bracket => ("[", "]"),
        Delimiter::None => ("", ""),
    }
}
