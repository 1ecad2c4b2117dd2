package surface

import (
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseValues(t *testing.T) {
	for _, tc := range []struct {
		expr string
		x, y float64
		want float64
	}{
		{"x^2 - y^2 + 0.1*x^4", 2, 1, 4 - 1 + 1.6},
		{"-x^2", 3, 0, -9},
		{"(-x)^2", 3, 0, 9},
		{"-2^2", 0, 0, -4},
		{"2^3^2", 0, 0, 512},
		{"2 ** 3 ** 2", 0, 0, 512},
		{"(2^3)^2", 0, 0, 64},
		{"2^-1", 0, 0, 0.5},
		{"x^-y^2", 2, 1, 0.5},
		{"--x", 5, 0, 5},
		{"+x", 5, 0, 5},
		{"x - -y", 5, 2, 7},
		{"x - y - 1", 5, 1, 3},
		{"x / y / 2", 8, 2, 2},
		{"x * y / 2 * 3", 2, 5, 15},
		{"2*-x", 3, 0, -6},
		{"1 + 2*3^2", 0, 0, 19},
		{"(1 + 2)*3", 0, 0, 9},
		{"  x\t+\ny  ", 1, 2, 3},
		{"pi", 0, 0, math.Pi},
		{"e", 0, 0, math.E},
		{"e^x", 1, 0, math.E},
		{"2e-3*x", 1000, 0, 2},
		{"1E+2", 0, 0, 100},
		{".5*x", 2, 0, 1},
		{"2.*x", 2, 0, 4},
		{"sin(pi/2)", 0, 0, 1},
		{"cos(x)", 0, 0, 1},
		{"tan(atan(x))", 0.5, 0, 0.5},
		{"exp(log(x))", 7, 0, 7},
		{"sqrt(x*y)", 4, 9, 6},
		{"abs(x - y)", 1, 4, 3},
		{"tanh(0) + sinh(0) + cosh(0)", 0, 0, 1},
		{"atan(1)*4", 0, 0, math.Pi},
		{"log(x)", -1, 0, math.NaN()},
		{"1/x", 0, 0, math.Inf(1)},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			fn, err := Parse(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			got := fn.Value([]float64{tc.x, tc.y})
			if !(got == tc.want || math.Abs(got-tc.want) <= 1e-15*math.Abs(tc.want) || math.IsNaN(got) && math.IsNaN(tc.want)) {
				t.Fatalf("f(%v, %v) = %v, want %v (formula %s)", tc.x, tc.y, got, tc.want, fn.Formula())
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("(", MaxExprDepth) + "x" + strings.Repeat(")", MaxExprDepth)
	tooDeep := "(" + deep + ")"
	for _, tc := range []struct {
		expr string
		col  int // 0: not a *SyntaxError
		want string
	}{
		{"", 1, "empty expression"},
		{"   ", 1, "empty expression"},
		{"x +", 4, "unexpected end: expected a number, variable, function or '('"},
		{"x ^^ 2", 4, `expected a number, variable, function or '(', found "^"`},
		{"2x", 2, `expected an operator (+ - * / ^) or the end, found "x"`},
		{"2 3", 3, "expected an operator (+ - * / ^) or the end, found the number 3"},
		{"sin x", 5, "sin needs its argument in parentheses, as sin(x)"},
		{"sin", 4, "sin needs its argument in parentheses"},
		{"sin()", 5, `found ")"`},
		{"foo(x)", 1, `unknown name "foo" (variables: x, y; constants: pi, e; functions: abs atan cos cosh exp log sin sinh sqrt tan tanh)`},
		{"x + z", 5, `unknown name "z"`},
		{"(x + y", 7, "expected ')' to close the '(' at column 1, found the end"},
		{"sin(x", 6, "expected ')' to close the '(' at column 4"},
		{"x + y)", 6, "unmatched ')'"},
		{"x(2)", 2, "x is a variable, not a function"},
		{"x # y", 3, "unexpected character '#'"},
		{"x, y", 2, "unexpected character ','"},
		{"1.2.3", 1, `malformed number "1.2.3"`},
		{".", 1, `malformed number "."`},
		{"x + 1e999", 5, "number 1e999 is out of range"},
		{"π*x", 1, "unexpected character 'π'"},
		{"é + x", 1, "unexpected character 'é'"},
		{"x + π", 5, "unexpected character 'π'"},
		{"x\u00a0+ ?", 5, "unexpected character '?'"},
		{"2e", 2, `found "e"`},
		{tooDeep, MaxExprDepth + 2, "nested more than 64 deep"},
		{strings.Repeat("-", MaxExprDepth+1) + "x", MaxExprDepth + 2, "nested more than 64 deep"},
		{"x" + strings.Repeat("^x", MaxExprDepth+1), 2*MaxExprDepth + 3, "nested more than 64 deep"},
		{strings.Repeat("x+", 512) + "x", 0, "expression of 1025 bytes: at most 1024 allowed"},
		{"x + \xff", 0, "not valid UTF-8"},
	} {
		name := tc.expr
		if len(name) > 40 {
			name = name[:40]
		}
		t.Run(name, func(t *testing.T) {
			_, err := Parse(tc.expr)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want one containing %q", err, tc.want)
			}
			var se *SyntaxError
			if errors.As(err, &se) != (tc.col > 0) || se != nil && se.Col != tc.col {
				t.Fatalf("error %q (%#v), want column %d", err, se, tc.col)
			}
		})
	}
	for _, ok := range []string{deep, strings.Repeat("-", MaxExprDepth) + "x", "x" + strings.Repeat("^x", MaxExprDepth)} {
		if _, err := Parse(ok); err != nil {
			t.Errorf("nesting of exactly %d refused: %v", MaxExprDepth, err)
		}
	}
}

// TestParseDerivatives checks exact symbolic derivatives where the answer
// is known in closed form.
func TestParseDerivatives(t *testing.T) {
	for _, tc := range []struct {
		expr    string
		x       []float64
		grad    []float64
		hessian []float64
	}{
		{"x^2*y", []float64{3, 2}, []float64{12, 9}, []float64{4, 6, 6, 0}},
		{"x^2 - y^2", []float64{1, -2}, []float64{2, 4}, []float64{2, 0, 0, -2}},
		{"x*y + 3", []float64{5, 7}, []float64{7, 5}, []float64{0, 1, 1, 0}},
		{"exp(x)", []float64{0, 0}, []float64{1, 0}, []float64{1, 0, 0, 0}},
		{"x^3/6 + y", []float64{2, 9}, []float64{2, 1}, []float64{2, 0, 0, 0}},
		{"abs(x) + abs(y)", []float64{-2, 3}, []float64{-1, 1}, []float64{0, 0, 0, 0}},
		{"log(x*y)", []float64{2, 4}, []float64{0.5, 0.25}, []float64{-0.25, 0, 0, -0.0625}},
		{"sqrt(x)", []float64{4, 0}, []float64{0.25, 0}, []float64{-1.0 / 32, 0, 0, 0}},
		{"2^x", []float64{3, 0}, []float64{8 * math.Ln2, 0}, []float64{8 * math.Ln2 * math.Ln2, 0, 0, 0}},
		{"x^y", []float64{2, 3}, []float64{12, 8 * math.Ln2}, []float64{12, 4 + 12*math.Ln2, 4 + 12*math.Ln2, 8 * math.Ln2 * math.Ln2}},
		{"7", []float64{1, 1}, []float64{0, 0}, []float64{0, 0, 0, 0}},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			fn, err := Parse(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			g, h := make([]float64, 2), make([]float64, 4)
			fn.Gradient(tc.x, g)
			fn.Hessian(tc.x, h)
			for i := range g {
				if !near(g[i], tc.grad[i], 1e-14, 1) {
					t.Errorf("gradient %v, want %v", g, tc.grad)
					break
				}
			}
			for i := range h {
				if !near(h[i], tc.hessian[i], 1e-14, 1) {
					t.Errorf("Hessian %v, want %v", h, tc.hessian)
					break
				}
			}
		})
	}
}

func TestFormula(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"x^2 - y^2 + 0.1*x^4", "x^2 - y^2 + 0.1*x^4"},
		{"x - (y - 1)", "x - (y - 1)"},
		{"(x - y) - 1", "x - y - 1"},
		{"x*(y/2)", "x*(y/2)"},
		{"(-x)^2", "(-x)^2"},
		{"-x^2", "-x^2"},
		{"x^(y^2)", "x^y^2"},
		{"(x^y)^2", "(x^y)^2"},
		{"x^-y", "x^(-y)"},
		{"2*-x", "(-2)*x"},
		{"x*2*3", "6*x"},
		{"3*(2*x)", "6*x"},
		{"x + 0", "x"},
		{"1*x - 0*y", "x"},
		{"x - x", "0"},
		{"--x", "x"},
		{"sin(pi/2)*y", "y"},
		{"x + -2", "x - 2"},
		{"log(0)*x", "(-1/0)*x"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			fn, err := Parse(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			if fn.Formula() != tc.want {
				t.Fatalf("formula %q, want %q", fn.Formula(), tc.want)
			}
			checkRoundTrip(t, tc.expr, fn)
		})
	}
}

// checkRoundTrip parses fn's formula again and checks that it computes the
// same values, bit for bit, as fn.
func checkRoundTrip(t *testing.T, expr string, fn *Function) {
	t.Helper()
	again, err := Parse(fn.Formula())
	if err != nil {
		t.Fatalf("formula %q of %q does not parse: %v", fn.Formula(), expr, err)
	}
	if again.Formula() != fn.Formula() {
		t.Fatalf("formula %q of %q reads back as %q", fn.Formula(), expr, again.Formula())
	}
	for _, x := range [][]float64{{0, 0}, {1, 1}, {-1.5, 0.25}, {2.75, -3}, {0.1, 7}} {
		a, b := fn.Value(x), again.Value(x)
		if a != b && !(math.IsNaN(a) && math.IsNaN(b)) {
			t.Fatalf("%q and its formula %q differ at %v: %v vs %v", expr, fn.Formula(), x, a, b)
		}
	}
}

// FuzzParse feeds the parser arbitrary text: it must return a function or
// an error, never panic; an error from the grammar names a column within
// the text; a function's formula reads back as the same function; and the
// gradient tape agrees with the value tape.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"x^2 - y^2 + 0.1*x^4", "sin(x)*cos(y)", "-x^-y^2", "2^3^2", "x**y", "(x+y", "x+)",
		"sqrt(abs(x))", "log(x*y) / (1 + exp(-x))", "tanh(sinh(cosh(atan(x))))", "1e308*1e308*x",
		"x/0", "0/0", "pi*e", "..", "1e", "x y", "x(", "((((x))))", "--+-x", "é", "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fn, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if errors.As(err, &se) {
				text := strings.TrimSpace(s)
				if se.Col < 1 || se.Col > utf8.RuneCountInString(text)+1 {
					t.Fatalf("%q: column %d outside the text of %d characters", s, se.Col, utf8.RuneCountInString(text))
				}
				if se.Msg == "" {
					t.Fatalf("%q: empty message", s)
				}
			}
			return
		}
		checkRoundTrip(t, s, fn)
		g, h := make([]float64, 2), make([]float64, 4)
		for _, x := range [][]float64{{0.5, -1.25}, {-2, 3}} {
			v, _ := fn.Gradient(x, g)
			fn.Hessian(x, h)
			if w := fn.Value(x); v != w && !(math.IsNaN(v) && math.IsNaN(w)) {
				t.Fatalf("%q at %v: Gradient says f = %v, Value %v", s, x, v, w)
			}
			if h[1] != h[2] && !(math.IsNaN(h[1]) && math.IsNaN(h[2])) {
				t.Fatalf("%q at %v: Hessian %v not symmetric", s, x, h)
			}
		}
	})
}
