package surface

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Limits on an expression.
const (
	// MaxExprLen is the longest expression Parse accepts, in bytes.
	MaxExprLen = 1024
	// MaxExprDepth is the deepest nesting Parse accepts: parentheses,
	// function calls, unary minus and exponents each add a level to the
	// expression's own level 0.
	MaxExprDepth = 64
)

// varNames are the variables of an expression, in coordinate order.
var varNames = []string{"x", "y"}

// SyntaxError reports an expression Parse cannot read, with the column
// (1-based, in characters) where reading stopped.
type SyntaxError struct {
	Expr string
	Col  int
	Msg  string
}

// Error returns the message with the expression and the column:
// `expression "x ^^ 2": column 4: expected ...`.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("expression %q: column %d: %s", e.Expr, e.Col, e.Msg)
}

// Parse reads a function of x and y typed as an expression and returns it
// as a Function with exact gradient and Hessian, found by symbolic
// differentiation. The grammar:
//
//	numbers      1, 0.5, .5, 2e-3
//	variables    x, y
//	constants    pi, e
//	operators    + − * / and ^ (power, right-associative: 2^3^2 = 2^9;
//	             ** is the same), unary minus (−x^2 = −(x^2)), parentheses
//	functions    sin cos tan exp log sqrt abs tanh sinh cosh atan, as sin(x)
//
// The text is read by a recursive-descent parser, never run as code; it
// may be at most MaxExprLen bytes and nest at most MaxExprDepth deep.
// Errors are *SyntaxError values naming the column. The function has no
// known critical points; its domain is [−3, 3]² (WithDomain changes it)
// and its suggested start (1, 1). Where the formula is undefined (log of a
// negative number, a division by zero) its value is NaN or ±Inf, which a
// race reports as diverged.
func Parse(expr string) (*Function, error) {
	text := strings.TrimSpace(expr)
	if len(text) > MaxExprLen {
		return nil, fmt.Errorf("expression of %d bytes: at most %d allowed", len(text), MaxExprLen)
	}
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("expression %q: not valid UTF-8", text)
	}
	b := newBuilder()
	p := &parser{b: b, text: text, col: 1, depth: -1} // the whole expression is level 0
	p.next()
	root, err := p.parse()
	if err != nil {
		return nil, err
	}
	return exprFunction(text, b, root)
}

// exprFunction differentiates root twice and compiles the three tapes.
func exprFunction(text string, b *builder, root *node) (*Function, error) {
	const n = 2
	memo := make([]map[*node]*node, n)
	grads := make([]*node, n)
	for i := range n {
		memo[i] = make(map[*node]*node)
		grads[i] = b.deriv(root, i, memo[i])
	}
	var hess []*node // upper triangle, row by row
	for i := range n {
		for j := i; j < n; j++ {
			hess = append(hess, b.deriv(grads[i], j, memo[j]))
		}
	}
	if b.full {
		return nil, fmt.Errorf("expression %q: %w", text, errTooComplex)
	}
	valueTape := compile(root)
	gradTape := compile(append([]*node{root}, grads...)...)
	hessTape := compile(hess...)
	pool := func(t *tape) *sync.Pool {
		return &sync.Pool{New: func() any { s := make([]float64, len(t.ins)+len(t.roots)); return &s }}
	}
	vp, gp, hp := pool(valueTape), pool(gradTape), pool(hessTape)
	run := func(t *tape, p *sync.Pool, x []float64, out func(r []float64)) {
		sp := p.Get().(*[]float64)
		s := *sp
		r := s[len(t.ins):]
		t.eval(x, s[:len(t.ins)], r)
		out(r)
		p.Put(sp)
	}
	f := &Function{
		name:        ExprName,
		spec:        ExprName + ":" + text,
		description: "The expression " + text + ", with exact derivatives by symbolic differentiation.",
		formula:     format(root),
		dim:         n,
		domain:      box(n, -3, 3),
		start:       []float64{1, 1},
	}
	f.value = func(x []float64) (v float64) {
		run(valueTape, vp, x, func(r []float64) { v = r[0] })
		return v
	}
	f.grad = func(x, g []float64) (v float64) {
		run(gradTape, gp, x, func(r []float64) { v = r[0]; copy(g, r[1:]) })
		return v
	}
	f.hess = func(x, h []float64) {
		run(hessTape, hp, x, func(r []float64) {
			k := 0
			for i := range n {
				for j := i; j < n; j++ {
					h[i*n+j], h[j*n+i] = r[k], r[k]
					k++
				}
			}
		})
	}
	f.finish()
	return f, nil
}

// token kinds.
type tokKind int

const (
	tokEOF tokKind = iota
	tokNum
	tokIdent
	tokOp // one of + - * / ^ ( )
)

type token struct {
	kind tokKind
	text string
	num  float64
	col  int // 1-based column of its first character
}

// parser is a recursive-descent parser that builds the DAG as it reads.
type parser struct {
	b     *builder
	text  string
	pos   int // byte offset of the next character
	col   int // column of the next character, 1-based
	tok   token
	err   *SyntaxError
	depth int
}

func (p *parser) fail(col int, format string, args ...any) {
	if p.err == nil {
		p.err = &SyntaxError{Expr: p.text, Col: col, Msg: fmt.Sprintf(format, args...)}
	}
}

// next reads the next token into p.tok.
func (p *parser) next() {
	for p.pos < len(p.text) {
		r, w := utf8.DecodeRuneInString(p.text[p.pos:])
		if !unicode.IsSpace(r) {
			break
		}
		p.pos += w
		p.col++
	}
	start, col := p.pos, p.col
	if p.pos >= len(p.text) {
		p.tok = token{kind: tokEOF, col: col}
		return
	}
	r, w := utf8.DecodeRuneInString(p.text[p.pos:])
	advance := func(bytes int) { // ASCII only
		p.pos += bytes
		p.col += bytes
	}
	switch {
	case r >= '0' && r <= '9' || r == '.':
		for p.pos < len(p.text) && (isDigit(p.text[p.pos]) || p.text[p.pos] == '.') {
			advance(1)
		}
		if p.pos < len(p.text) && (p.text[p.pos] == 'e' || p.text[p.pos] == 'E') {
			// An exponent only if digits follow: "2e" is 2 then e.
			q := p.pos + 1
			if q < len(p.text) && (p.text[q] == '+' || p.text[q] == '-') {
				q++
			}
			if q < len(p.text) && isDigit(p.text[q]) {
				advance(q - p.pos)
				for p.pos < len(p.text) && isDigit(p.text[p.pos]) {
					advance(1)
				}
			}
		}
		lit := p.text[start:p.pos]
		v, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				p.fail(col, "number %s is out of range", lit)
			} else {
				p.fail(col, "malformed number %q", lit)
			}
			v = 0
		}
		p.tok = token{kind: tokNum, text: lit, num: v, col: col}
	case r < utf8.RuneSelf && (unicode.IsLetter(r) || r == '_'):
		for p.pos < len(p.text) && (isIdent(p.text[p.pos])) {
			advance(1)
		}
		p.tok = token{kind: tokIdent, text: p.text[start:p.pos], col: col}
	case strings.HasPrefix(p.text[p.pos:], "**"):
		advance(2)
		p.tok = token{kind: tokOp, text: "^", col: col}
	case strings.ContainsRune("+-*/^()", r):
		advance(1)
		p.tok = token{kind: tokOp, text: string(r), col: col}
	default:
		p.pos += w
		p.col++
		p.fail(col, "unexpected character %q", r)
		p.tok = token{kind: tokEOF, col: col}
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdent(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func (p *parser) isOp(s string) bool { return p.tok.kind == tokOp && p.tok.text == s }

// describe names the current token for an error.
func (p *parser) describe() string {
	switch p.tok.kind {
	case tokEOF:
		return "the end"
	case tokNum:
		return "the number " + p.tok.text
	case tokIdent:
		return fmt.Sprintf("%q", p.tok.text)
	}
	return fmt.Sprintf("%q", p.tok.text)
}

// parse reads the whole text.
func (p *parser) parse() (*node, error) {
	if p.tok.kind == tokEOF && p.err == nil {
		p.fail(1, "empty expression")
	}
	n := p.expr()
	if p.err == nil && p.tok.kind != tokEOF {
		if p.isOp(")") {
			p.fail(p.tok.col, "unmatched ')'")
		} else {
			p.fail(p.tok.col, "expected an operator (+ - * / ^) or the end, found %s", p.describe())
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	return n, nil
}

// expr := term (('+' | '-') term)*
func (p *parser) expr() *node {
	n := p.term()
	for p.err == nil && (p.isOp("+") || p.isOp("-")) {
		o := p.tok.text
		p.next()
		m := p.term()
		if o == "+" {
			n = p.b.add(n, m)
		} else {
			n = p.b.sub(n, m)
		}
	}
	return n
}

// term := unary (('*' | '/') unary)*
func (p *parser) term() *node {
	n := p.unary()
	for p.err == nil && (p.isOp("*") || p.isOp("/")) {
		o := p.tok.text
		p.next()
		m := p.unary()
		if o == "*" {
			n = p.b.mul(n, m)
		} else {
			n = p.b.div(n, m)
		}
	}
	return n
}

// unary := ('-' | '+') unary | power
func (p *parser) unary() *node {
	if p.err != nil {
		return p.b.num(0)
	}
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > MaxExprDepth {
		p.fail(p.tok.col, "nested more than %d deep", MaxExprDepth)
		return p.b.num(0)
	}
	switch {
	case p.isOp("-"):
		p.next()
		return p.b.neg(p.unary())
	case p.isOp("+"):
		p.next()
		return p.unary()
	}
	return p.power()
}

// power := atom ('^' unary)?   (so ^ is right-associative)
func (p *parser) power() *node {
	n := p.atom()
	if p.err == nil && p.isOp("^") {
		p.next()
		n = p.b.pow(n, p.unary())
	}
	return n
}

// atom := number | variable | constant | function '(' expr ')' | '(' expr ')'
func (p *parser) atom() *node {
	if p.err != nil {
		return p.b.num(0)
	}
	t := p.tok
	switch {
	case t.kind == tokNum:
		p.next()
		return p.b.num(t.num)
	case t.kind == tokIdent:
		p.next()
		for i, v := range varNames {
			if t.text == v {
				if p.isOp("(") {
					p.fail(p.tok.col, "%s is a variable, not a function: write %s*(...)", v, v)
				}
				return p.b.variable(i)
			}
		}
		switch t.text {
		case "pi":
			return p.b.num(math.Pi)
		case "e":
			return p.b.num(math.E)
		}
		o, ok := funcNames[t.text]
		if !ok {
			p.fail(t.col, "unknown name %q (variables: x, y; constants: pi, e; functions: %s)", t.text, strings.Join(funcList(), " "))
			return p.b.num(0)
		}
		if !p.isOp("(") {
			p.fail(p.tok.col, "%s needs its argument in parentheses, as %s(x)", t.text, t.text)
			return p.b.num(0)
		}
		open := p.tok.col
		p.next()
		arg := p.inner(open)
		return p.b.call(o, arg)
	case p.isOp("("):
		p.next()
		return p.inner(t.col)
	case t.kind == tokEOF:
		p.fail(t.col, "unexpected end: expected a number, variable, function or '('")
	default:
		p.fail(t.col, "expected a number, variable, function or '(', found %s", p.describe())
	}
	return p.b.num(0)
}

// inner reads "expr ')'" after an opening parenthesis at column open.
func (p *parser) inner(open int) *node {
	n := p.expr()
	if p.err == nil {
		if !p.isOp(")") {
			p.fail(p.tok.col, "expected ')' to close the '(' at column %d, found %s", open, p.describe())
			return n
		}
		p.next()
	}
	return n
}

func funcList() []string {
	names := make([]string, 0, len(funcNames))
	for n := range funcNames {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
