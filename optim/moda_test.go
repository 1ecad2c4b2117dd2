package optim

// Shared harness of the tests of Lion, LAMB, LARS, AdaBelief and
// Lookahead (lion_test.go, lamb_test.go, lars_test.go, adabelief_test.go,
// lookahead_test.go).

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/descent-ml/descent/internal/parallel"
)

// modaX0 and the modaG* gradients are the 3-element parameter and known
// gradients of the hand-computed first-step cases.
var (
	modaX0 = []float64{0.5, -1.5, 2.0}
	modaG1 = []float64{0.3, -0.2, 0.0}
	modaG2 = []float64{-0.4, 0.1, 0.25}
)

// modaStepCase is one hand-computed trajectory: from x0, the optimizer
// that spec builds takes one step per gradient and must land on want.
type modaStepCase struct {
	name  string
	spec  string
	x0    []float64
	grads [][]float64
	want  []float64
}

// modaRunSteps runs c over a parameter of type T and returns its values.
func modaRunSteps[T Float](t *testing.T, c modaStepCase) []float64 {
	t.Helper()
	x0 := c.x0
	if x0 == nil {
		x0 = modaX0
	}
	x := make([]T, len(x0))
	for i, v := range x0 {
		x[i] = T(v)
	}
	g := make([]T, len(x))
	p := NewParam("x", x, g)
	o, err := New(c.spec, []*Param{p})
	if err != nil {
		t.Fatalf("New(%q): %v", c.spec, err)
	}
	for si, gs := range c.grads {
		for i, v := range gs {
			g[i] = T(v)
		}
		if err := o.Step(); err != nil {
			t.Fatalf("%s: step %d: %v", c.spec, si+1, err)
		}
	}
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// modaCheckSteps checks every case in float64 to 1e-12, and in float32 to
// float32's precision.
func modaCheckSteps(t *testing.T, cases []modaStepCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := modaRunSteps[float64](t, c)
			for i := range c.want {
				if d := math.Abs(got[i] - c.want[i]); !(d <= 1e-12) {
					t.Errorf("float64 %s: x[%d] = %.17g, want %.17g (off by %.3g)", c.spec, i, got[i], c.want[i], d)
				}
			}
			got32 := modaRunSteps[float32](t, c)
			for i := range c.want {
				if d := math.Abs(got32[i] - c.want[i]); !(d <= 2e-6*max(1, math.Abs(c.want[i]))) {
					t.Errorf("float32 %s: x[%d] = %.9g, want %.9g (off by %.3g)", c.spec, i, got32[i], c.want[i], d)
				}
			}
		})
	}
}

// modaRosenbrockCase is a convergence case: spec must take the 2-D
// Rosenbrock function from (0, 0) to within 3e-2 of (1, 1) in 10,000
// steps.
type modaRosenbrockCase struct {
	spec string
}

// modaRosenbrock runs spec for steps steps on Rosenbrock from (0, 0) over
// a parameter of type T and returns the final point.
func modaRosenbrock[T Float](t *testing.T, spec string, steps int) (x, y float64) {
	t.Helper()
	v := make([]T, 2)
	g := make([]T, 2)
	p := NewParam("xy", v, g)
	o, err := New(spec, []*Param{p})
	if err != nil {
		t.Fatalf("New(%q): %v", spec, err)
	}
	xs, gs := make([]float64, 2), make([]float64, 2)
	for i := range steps {
		xs[0], xs[1] = float64(v[0]), float64(v[1])
		rosenbrock(xs, gs)
		g[0], g[1] = T(gs[0]), T(gs[1])
		if err := o.Step(); err != nil {
			t.Fatalf("%s: step %d: %v", spec, i+1, err)
		}
	}
	return float64(v[0]), float64(v[1])
}

func modaCheckRosenbrock(t *testing.T, cases []modaRosenbrockCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.spec, func(t *testing.T) {
			x, y := modaRosenbrock[float64](t, c.spec, 10000)
			if d := math.Hypot(x-1, y-1); !(d <= 3e-2) {
				t.Errorf("%s: float64 ends at (%.6g, %.6g), %.3g from (1, 1)", c.spec, x, y, d)
			}
			x, y = modaRosenbrock[float32](t, c.spec, 10000)
			if d := math.Hypot(x-1, y-1); !(d <= 3e-2) {
				t.Errorf("%s: float32 ends at (%.6g, %.6g), %.3g from (1, 1)", c.spec, x, y, d)
			}
		})
	}
}

// modaInvalidCase is a spec New must refuse with an error containing want.
type modaInvalidCase struct {
	spec, want string
}

func modaCheckInvalid(t *testing.T, cases []modaInvalidCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.spec, func(t *testing.T) {
			p := NewParam("x", []float64{1, 2}, []float64{0, 0})
			o, err := New(c.spec, []*Param{p})
			if err == nil {
				t.Fatalf("New(%q) = %s, want an error containing %q", c.spec, o.Name(), c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New(%q): %v, want an error containing %q", c.spec, err, c.want)
			}
		})
	}
}

// modaParams returns a float64 and a float32 parameter with gradients;
// copies of the same values each call.
func modaParams() []*Param {
	a := []float64{0.5, -1.5, 2, 0.25, -0.75, 1.25, 3}
	b := []float32{-0.5, 1, 0.125, -2}
	return []*Param{
		NewParam("a", a, make([]float64, len(a))),
		NewParam("b", b, make([]float32, len(b)), 2, 2),
	}
}

// modaGrads fills the gradients of ps for step k: a smooth function of
// the values, so the trajectory depends on every bit of them.
func modaGrads(ps []*Param, k int) {
	for _, p := range ps {
		for i := range p.G64 {
			p.G64[i] = math.Sin(1.3*p.F64[i]+0.7*float64(k)) + 0.1*float64(i)
		}
		for i := range p.G32 {
			p.G32[i] = float32(math.Cos(1.1*float64(p.F32[i])-0.3*float64(k))) - 0.05*float32(i)
		}
	}
}

func modaCopyParams(dst, src []*Param) {
	for i := range src {
		copy(dst[i].F64, src[i].F64)
		copy(dst[i].F32, src[i].F32)
	}
}

func modaSameParams(t *testing.T, what string, got, want []*Param) {
	t.Helper()
	for i := range want {
		for j := range want[i].F64 {
			if math.Float64bits(got[i].F64[j]) != math.Float64bits(want[i].F64[j]) {
				t.Fatalf("%s: %s[%d] = %.17g, want %.17g", what, want[i].Name, j, got[i].F64[j], want[i].F64[j])
			}
		}
		for j := range want[i].F32 {
			if math.Float32bits(got[i].F32[j]) != math.Float32bits(want[i].F32[j]) {
				t.Fatalf("%s: %s[%d] = %.9g, want %.9g", what, want[i].Name, j, got[i].F32[j], want[i].F32[j])
			}
		}
	}
}

// modaCheckResume checks, for each spec, that state saved after before
// steps and loaded into a fresh optimizer over copied parameters (directly
// and through the state file format) continues bit-identically for after
// steps.
func modaCheckResume(t *testing.T, specs []string, before, after int) {
	t.Helper()
	for _, spec := range specs {
		t.Run(spec, func(t *testing.T) {
			ps := modaParams()
			o, err := New(spec, ps)
			if err != nil {
				t.Fatalf("New(%q): %v", spec, err)
			}
			for k := range before {
				modaGrads(ps, k)
				if err := o.Step(); err != nil {
					t.Fatal(err)
				}
			}
			sd := o.StateDict()
			var file bytes.Buffer
			if err := sd.Write(&file); err != nil {
				t.Fatalf("write state: %v", err)
			}
			saved := modaParams()
			modaCopyParams(saved, ps)
			for k := before; k < before+after; k++ {
				modaGrads(ps, k)
				if err := o.Step(); err != nil {
					t.Fatal(err)
				}
			}
			read, err := ReadStateDict(bytes.NewReader(file.Bytes()))
			if err != nil {
				t.Fatalf("read state: %v", err)
			}
			for _, load := range []struct {
				how string
				sd  *StateDict
			}{{"StateDict", sd}, {"Write/ReadStateDict", read}} {
				qs := modaParams()
				modaCopyParams(qs, saved)
				q, err := New(spec, qs)
				if err != nil {
					t.Fatal(err)
				}
				if err := q.LoadStateDict(load.sd); err != nil {
					t.Fatalf("%s: load: %v", load.how, err)
				}
				for k := before; k < before+after; k++ {
					modaGrads(qs, k)
					if err := q.Step(); err != nil {
						t.Fatal(err)
					}
				}
				modaSameParams(t, fmt.Sprintf("%s after %s", spec, load.how), qs, ps)
			}
		})
	}
}

// modaCheckThreads checks that spec takes the same steps, to the bit, on
// one thread and on two, over float64 and float32 parameters of n values.
func modaCheckThreads(t *testing.T, spec string, n int) {
	t.Helper()
	run := func(threads int) []*Param {
		prev := parallel.SetThreads(threads)
		defer parallel.SetThreads(prev)
		a := make([]float64, n)
		b := make([]float32, n)
		for i := range a {
			a[i] = math.Sin(float64(i) * 0.37)
			b[i] = float32(math.Cos(float64(i) * 0.11))
		}
		ps := []*Param{NewParam("a", a, make([]float64, n)), NewParam("b", b, make([]float32, n))}
		o, err := New(spec, ps)
		if err != nil {
			t.Fatal(err)
		}
		for k := range 3 {
			modaGrads(ps, k)
			if err := o.Step(); err != nil {
				t.Fatal(err)
			}
		}
		return ps
	}
	one := run(1)
	two := run(2)
	modaSameParams(t, spec+" on 2 threads vs 1", two, one)
}
