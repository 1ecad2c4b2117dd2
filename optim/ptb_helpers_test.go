package optim

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// Helpers shared by the NAdam, RAdam, ASGD and Rprop tests.

// ptbBuild makes an optimizer over params.
type ptbBuild func(params []*Param) (Optimizer, error)

// ptbInvalidCase is a config the constructor must refuse with an error
// containing want (which names the offending value).
type ptbInvalidCase struct {
	name  string
	build func() error
	want  string
}

// ptbErrContains reports whether err is an error whose text contains sub.
func ptbErrContains(err error, sub string) bool {
	return err != nil && strings.Contains(err.Error(), sub)
}

func ptbCheckInvalid(t *testing.T, cases []ptbInvalidCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.build(); !ptbErrContains(err, c.want) {
				t.Fatalf("error %v; want one containing %q", err, c.want)
			}
		})
	}
}

// ptbGrads returns a deterministic sequence of steps gradients for
// parameters of the given sizes: ptbGrads(...)[step][param][i].
func ptbGrads(seed uint64, steps int, sizes ...int) [][][]float64 {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	out := make([][][]float64, steps)
	for s := range out {
		out[s] = make([][]float64, len(sizes))
		for p, n := range sizes {
			g := make([]float64, n)
			for i := range g {
				g[i] = r.NormFloat64()
			}
			out[s][p] = g
		}
	}
	return out
}

// ptbInit returns deterministic starting values for parameters of the
// given sizes.
func ptbInit(seed uint64, sizes ...int) [][]float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([][]float64, len(sizes))
	for p, n := range sizes {
		out[p] = make([]float64, n)
		for i := range out[p] {
			out[p][i] = r.Float64()*2 - 1
		}
	}
	return out
}

// ptbParams64 makes float64 parameters holding copies of init.
func ptbParams64(init [][]float64) []*Param {
	ps := make([]*Param, len(init))
	for i, x := range init {
		ps[i] = NewParam("p"+string(rune('a'+i)), append([]float64(nil), x...), make([]float64, len(x)))
	}
	return ps
}

// ptbParams32 makes float32 parameters holding init rounded to float32.
func ptbParams32(init [][]float64) []*Param {
	ps := make([]*Param, len(init))
	for i, x := range init {
		v := make([]float32, len(x))
		for j := range x {
			v[j] = float32(x[j])
		}
		ps[i] = NewParam("p"+string(rune('a'+i)), v, make([]float32, len(x)))
	}
	return ps
}

// ptbSetGrads copies g into the parameters' gradient buffers.
func ptbSetGrads(ps []*Param, g [][]float64) {
	for i, p := range ps {
		if p.F64 != nil {
			copy(p.G64, g[i])
			continue
		}
		for j := range g[i] {
			p.G32[j] = float32(g[i][j])
		}
	}
}

// ptbRun applies the gradient sequence to opt, one step each.
func ptbRun(t *testing.T, opt Optimizer, ps []*Param, grads [][][]float64) {
	t.Helper()
	for s, g := range grads {
		ptbSetGrads(ps, g)
		if err := opt.Step(); err != nil {
			t.Fatalf("step %d: %v", s+1, err)
		}
	}
}

// ptbCheckF32 runs the same steps over float32 and float64 parameters and
// requires them to agree within tol (relative to max(1, |x|)).
func ptbCheckF32(t *testing.T, build ptbBuild, steps int, tol float64) {
	t.Helper()
	sizes := []int{37, 5}
	init := ptbInit(7, sizes...)
	grads := ptbGrads(11, steps, sizes...)
	p64, p32 := ptbParams64(init), ptbParams32(init)
	o64, err := build(p64)
	if err != nil {
		t.Fatal(err)
	}
	o32, err := build(p32)
	if err != nil {
		t.Fatal(err)
	}
	ptbRun(t, o64, p64, grads)
	ptbRun(t, o32, p32, grads)
	moved := false
	for i := range p64 {
		for j, want := range p64[i].F64 {
			got := float64(p32[i].F32[j])
			if d := math.Abs(got - want); !(d <= tol*max(1, math.Abs(want))) {
				t.Fatalf("param %d[%d]: float32 %v, float64 %v (diff %g > %g)", i, j, got, want, d, tol)
			}
			if want != init[i][j] {
				moved = true
			}
		}
	}
	if !moved {
		t.Fatal("no parameter moved: the check proves nothing")
	}
}

// ptbCheckResume runs k steps, saves the state, loads it into a fresh
// optimizer over copies of the parameters (directly, and through the state
// file format), and requires m further steps of both to agree bit for bit.
func ptbCheckResume(t *testing.T, build ptbBuild, k, m int) {
	t.Helper()
	for _, dtype := range []string{"float64", "float32"} {
		for _, viaFile := range []bool{false, true} {
			name := dtype + "/direct"
			if viaFile {
				name = dtype + "/file"
			}
			t.Run(name, func(t *testing.T) {
				sizes := []int{23, 4}
				init := ptbInit(3, sizes...)
				grads := ptbGrads(5, k+m, sizes...)
				mk := ptbParams64
				if dtype == "float32" {
					mk = ptbParams32
				}
				pa := mk(init)
				a, err := build(pa)
				if err != nil {
					t.Fatal(err)
				}
				ptbRun(t, a, pa, grads[:k])
				sd := a.StateDict()
				if viaFile {
					var b bytes.Buffer
					if err := sd.Write(&b); err != nil {
						t.Fatal(err)
					}
					if sd, err = ReadStateDict(&b); err != nil {
						t.Fatal(err)
					}
				}
				pb := mk(init)
				for i := range pb {
					copy(pb[i].F64, pa[i].F64)
					copy(pb[i].F32, pa[i].F32)
				}
				b, err := build(pb)
				if err != nil {
					t.Fatal(err)
				}
				if err := b.LoadStateDict(sd); err != nil {
					t.Fatal(err)
				}
				ptbRun(t, a, pa, grads[k:])
				ptbRun(t, b, pb, grads[k:])
				for i := range pa {
					for j := range pa[i].F64 {
						if math.Float64bits(pa[i].F64[j]) != math.Float64bits(pb[i].F64[j]) {
							t.Fatalf("param %d[%d]: resumed %v, uninterrupted %v", i, j, pb[i].F64[j], pa[i].F64[j])
						}
					}
					for j := range pa[i].F32 {
						if math.Float32bits(pa[i].F32[j]) != math.Float32bits(pb[i].F32[j]) {
							t.Fatalf("param %d[%d]: resumed %v, uninterrupted %v", i, j, pb[i].F32[j], pa[i].F32[j])
						}
					}
				}
			})
		}
	}
}

// ptbRosenbrock minimises the 2-D Rosenbrock function
// (1−x)² + 100(y−x²)² from (0, 0) for steps steps and returns the final
// point (and the optimizer, for a look at its state).
func ptbRosenbrock(t *testing.T, build ptbBuild, steps int) (x, y float64, opt Optimizer, p *Param) {
	t.Helper()
	p = NewParam("xy", []float64{0, 0}, []float64{0, 0})
	opt, err := build([]*Param{p})
	if err != nil {
		t.Fatal(err)
	}
	for s := range steps {
		rosenbrock(p.F64, p.G64)
		if err := opt.Step(); err != nil {
			t.Fatalf("step %d: %v", s+1, err)
		}
	}
	return p.F64[0], p.F64[1], opt, p
}

// ptbNear reports whether (x, y) lies within tol of (1, 1).
func ptbNear(x, y, tol float64) bool {
	return math.Hypot(x-1, y-1) <= tol
}
