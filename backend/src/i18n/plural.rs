//! gettext's `Plural-Forms` expressions: C expressions in `n` (`n%10==1 && n%100!=11 ? 0 : 1`),
//! evaluated as gettext (and Python's `gettext.c2py`) does, to pick a message's plural form.

/// A parsed expression.
#[derive(Debug, Clone)]
pub struct PluralRule(Node);

#[derive(Debug, Clone)]
enum Node {
    N,
    Number(u64),
    Not(Box<Node>),
    Binary(Op, Box<Node>, Box<Node>),
    Choice(Box<Node>, Box<Node>, Box<Node>),
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl PluralRule {
    pub fn parse(text: &str) -> Option<Self> {
        let tokens = tokenize(text)?;
        let mut parser = Parser { tokens, at: 0 };
        let node = parser.choice()?;
        (parser.at == parser.tokens.len()).then_some(Self(node))
    }

    /// The index of the form for `n`.
    pub fn form(&self, n: u64) -> usize {
        usize::try_from(eval(&self.0, n)).unwrap_or(0)
    }
}

fn eval(node: &Node, n: u64) -> u64 {
    match node {
        Node::N => n,
        Node::Number(value) => *value,
        Node::Not(inner) => u64::from(eval(inner, n) == 0),
        Node::Choice(test, yes, no) => {
            if eval(test, n) != 0 {
                eval(yes, n)
            } else {
                eval(no, n)
            }
        }
        Node::Binary(op, left, right) => {
            let (a, b) = (eval(left, n), eval(right, n));
            match op {
                Op::Or => u64::from(a != 0 || b != 0),
                Op::And => u64::from(a != 0 && b != 0),
                Op::Eq => u64::from(a == b),
                Op::Ne => u64::from(a != b),
                Op::Lt => u64::from(a < b),
                Op::Gt => u64::from(a > b),
                Op::Le => u64::from(a <= b),
                Op::Ge => u64::from(a >= b),
                Op::Add => a.wrapping_add(b),
                Op::Sub => a.wrapping_sub(b),
                Op::Mul => a.wrapping_mul(b),
                Op::Div => a.checked_div(b).unwrap_or(0),
                Op::Rem => a.checked_rem(b).unwrap_or(0),
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    N,
    Number(u64),
    Symbol(&'static str),
}

const SYMBOLS: &[&str] =
    &["||", "&&", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "!", "?", ":", "(", ")"];

fn tokenize(text: &str) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('n') {
            tokens.push(Token::N);
            rest = after;
        } else if rest.starts_with(|c: char| c.is_ascii_digit()) {
            let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
            tokens.push(Token::Number(rest[..end].parse().ok()?));
            rest = &rest[end..];
        } else {
            let symbol = SYMBOLS.iter().find(|symbol| rest.starts_with(**symbol))?;
            tokens.push(Token::Symbol(symbol));
            rest = &rest[symbol.len()..];
        }
        rest = rest.trim_start();
    }
    Some(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

/// Binary operators by precedence, loosest first.
const LEVELS: &[&[(&str, Op)]] = &[
    &[("||", Op::Or)],
    &[("&&", Op::And)],
    &[("==", Op::Eq), ("!=", Op::Ne)],
    &[("<", Op::Lt), (">", Op::Gt), ("<=", Op::Le), (">=", Op::Ge)],
    &[("+", Op::Add), ("-", Op::Sub)],
    &[("*", Op::Mul), ("/", Op::Div), ("%", Op::Rem)],
];

impl Parser {
    fn eat(&mut self, symbol: &str) -> bool {
        let found = matches!(self.tokens.get(self.at), Some(Token::Symbol(s)) if *s == symbol);
        if found {
            self.at += 1;
        }
        found
    }

    fn choice(&mut self) -> Option<Node> {
        let test = self.binary(0)?;
        if !self.eat("?") {
            return Some(test);
        }
        let yes = self.choice()?;
        if !self.eat(":") {
            return None;
        }
        let no = self.choice()?;
        Some(Node::Choice(Box::new(test), Box::new(yes), Box::new(no)))
    }

    fn binary(&mut self, level: usize) -> Option<Node> {
        let Some(operators) = LEVELS.get(level) else { return self.unary() };
        let mut left = self.binary(level + 1)?;
        'operators: loop {
            for (symbol, op) in operators.iter() {
                if self.eat(symbol) {
                    let right = self.binary(level + 1)?;
                    left = Node::Binary(*op, Box::new(left), Box::new(right));
                    continue 'operators;
                }
            }
            return Some(left);
        }
    }

    fn unary(&mut self) -> Option<Node> {
        if self.eat("!") {
            return Some(Node::Not(Box::new(self.unary()?)));
        }
        match self.tokens.get(self.at)?.clone() {
            Token::N => {
                self.at += 1;
                Some(Node::N)
            }
            Token::Number(value) => {
                self.at += 1;
                Some(Node::Number(value))
            }
            Token::Symbol("(") => {
                self.at += 1;
                let inner = self.choice()?;
                self.eat(")").then_some(inner)
            }
            Token::Symbol(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(rule: &str, ns: &[u64]) -> Vec<usize> {
        let rule = PluralRule::parse(rule).expect("a valid rule");
        ns.iter().map(|n| rule.form(*n)).collect()
    }

    #[test]
    fn germanic_and_french_rules() {
        assert_eq!(forms("(n != 1)", &[0, 1, 2, 8]), [1, 0, 1, 1]);
        assert_eq!(forms("(n > 1)", &[0, 1, 2]), [0, 0, 1]);
        assert_eq!(forms("0", &[1, 8]), [0, 0]);
    }

    #[test]
    fn the_russian_rule_of_djangos_catalogue() {
        let rule = "(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<12 || n%100>14) ? 1 : \
                    n%10==0 || (n%10>=5 && n%10<=9) || (n%100>=11 && n%100<=14)? 2 : 3)";
        assert_eq!(forms(rule, &[1, 2, 5, 8, 11, 21, 22, 25]), [0, 1, 2, 2, 2, 0, 1, 2]);
    }

    #[test]
    fn nested_choices_without_parentheses() {
        let rule = "n == 1 ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2";
        assert_eq!(forms(rule, &[1, 0, 8, 1_000_000]), [0, 2, 2, 1]);
    }

    #[test]
    fn malformed_rules_are_refused() {
        assert!(PluralRule::parse("n ? 1").is_none());
        assert!(PluralRule::parse("(n != 1").is_none());
        assert!(PluralRule::parse("n $ 1").is_none());
    }
}
