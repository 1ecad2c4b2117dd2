package optim

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// ptaRosen is the 2-D Rosenbrock function (1−x)² + 100(y−x²)², minimum 0
// at (1, 1); it writes the gradient into g.
func ptaRosen(p, g []float64) float64 {
	x, y := p[0], p[1]
	a, b := 1-x, y-x*x
	g[0] = -2*a - 400*x*b
	g[1] = 200 * b
	return a*a + 100*b*b
}

// ptaMinimise runs steps updates of the optimizer build makes on the
// Rosenbrock function from (0, 0) and returns where it ends. With sparse
// the gradient is handed over as a row-sparse gradient of a 2×1 table
// listing both rows.
func ptaMinimise(t *testing.T, build func([]*Param) (Optimizer, error), steps int, sparse bool) (x, y float64) {
	t.Helper()
	data, grad := []float64{0, 0}, []float64{0, 0}
	var p *Param
	if sparse {
		p = NewParam[float64]("xy", data, nil, 2, 1)
	} else {
		p = NewParam("xy", data, grad, 2)
	}
	opt, err := build([]*Param{p})
	if err != nil {
		t.Fatal(err)
	}
	for i := range steps {
		ptaRosen(data, grad)
		if sparse {
			p.Sparse = &SparseGrad{Rows: []int{0, 1}, Values: append([]float64(nil), grad...)}
		}
		if err := opt.Step(); err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
	}
	return data[0], data[1]
}

// ptaCheckRosen fails unless (x, y) is within tol of (1, 1) in each
// coordinate.
func ptaCheckRosen(t *testing.T, x, y, tol float64) {
	t.Helper()
	if math.Abs(x-1) > tol || math.Abs(y-1) > tol || math.IsNaN(x+y) {
		t.Fatalf("ended at (%.6g, %.6g), want within %g of (1, 1)", x, y, tol)
	}
}

// ptaFloat32Agrees runs the same five steps of random gradients through a
// float32 and a float64 copy of a 4×3 parameter (sparse: a few rows, one
// repeated) and checks that the float32 values follow the float64 ones to
// about float32 precision.
func ptaFloat32Agrees(t *testing.T, build func([]*Param) (Optimizer, error), sparse bool) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	const rows, cols = 4, 3
	x64 := make([]float64, rows*cols)
	for i := range x64 {
		x64[i] = rng.NormFloat64() * 0.5
	}
	x32 := make([]float32, len(x64))
	for i, v := range x64 {
		x32[i] = float32(v)
		x64[i] = float64(x32[i]) // same start exactly
	}
	var p64, p32 *Param
	if sparse {
		p64 = NewParam[float64]("w", x64, nil, rows, cols)
		p32 = NewParam[float32]("w", x32, nil, rows, cols)
	} else {
		p64 = NewParam("w", x64, make([]float64, len(x64)), rows, cols)
		p32 = NewParam("w", x32, make([]float32, len(x32)), rows, cols)
	}
	o64, err := build([]*Param{p64})
	if err != nil {
		t.Fatal(err)
	}
	o32, err := build([]*Param{p32})
	if err != nil {
		t.Fatal(err)
	}
	for step := range 5 {
		if sparse {
			r := []int{2, 0, 2}
			v64 := make([]float64, len(r)*cols)
			v32 := make([]float32, len(v64))
			for i := range v64 {
				v32[i] = float32(rng.NormFloat64())
				v64[i] = float64(v32[i])
			}
			p64.Sparse = &SparseGrad{Rows: r, Values: v64}
			p32.Sparse = &SparseGrad{Rows: r, V32: v32}
		} else {
			for i := range p64.G64 {
				p32.G32[i] = float32(rng.NormFloat64())
				p64.G64[i] = float64(p32.G32[i])
			}
		}
		if err := o64.Step(); err != nil {
			t.Fatal(err)
		}
		if err := o32.Step(); err != nil {
			t.Fatal(err)
		}
		for i := range x64 {
			if d := math.Abs(float64(x32[i]) - x64[i]); d > 1e-5*max(1, math.Abs(x64[i])) {
				t.Fatalf("step %d: float32 value %d = %v, float64 %v", step+1, i, x32[i], x64[i])
			}
		}
	}
}

// ptaInvalid is a hyperparameter setting an optimizer must refuse, with
// the text the error must hold (the offending value).
type ptaInvalid struct {
	name  string
	build func() error
	want  string
}

func ptaCheckInvalid(t *testing.T, cases []ptaInvalid) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.build()
			if err == nil {
				t.Fatalf("accepted, want an error mentioning %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not mention %q", err, c.want)
			}
		})
	}
}

// ptaVec is a small float64 parameter with a gradient, for constructor
// tests.
func ptaVec() []*Param {
	return []*Param{NewParam("v", []float64{1, 2}, []float64{0, 0})}
}

// ptaSparseChecks checks the sparse rules shared by Adagrad and SparseAdam
// on a 5×2 table: rows a gradient does not list keep their values and
// their state buffers (named in bufs, initially init) unchanged; repeated
// rows add up exactly as the coalesced gradient; an empty gradient changes
// nothing but the step count; and maximize is descent on the negated
// gradient.
func ptaSparseChecks(t *testing.T, build func([]*Param, bool) (Optimizer, error), bufs []string, init float64) {
	t.Helper()
	const rows, cols = 5, 2
	start := []float64{0.1, -0.2, 0.3, 0.4, -0.5, 0.6, 0.7, -0.8, 0.9, 1.0}
	newTable := func(maximize bool) (*Param, Optimizer) {
		p := NewParam[float64]("emb", append([]float64(nil), start...), nil, rows, cols)
		o, err := build([]*Param{p}, maximize)
		if err != nil {
			t.Fatal(err)
		}
		return p, o
	}
	state := func(o Optimizer, p *Param) *State {
		sd := o.StateDict()
		if s := sd.State[0]; s != nil {
			return s
		}
		t.Fatal("no state after a step")
		return nil
	}
	repeated := &SparseGrad{Rows: []int{3, 1, 3}, Values: []float64{0.5, -1, 2, 0.25, -1.5, 3}}
	coalesced := &SparseGrad{Rows: []int{1, 3}, Values: []float64{2, 0.25, 0.5 + -1.5, -1 + 3}}

	pa, oa := newTable(false)
	pb, ob := newTable(false)
	for step := range 3 {
		pa.Sparse, pb.Sparse = repeated, coalesced
		if err := oa.Step(); err != nil {
			t.Fatal(err)
		}
		if err := ob.Step(); err != nil {
			t.Fatal(err)
		}
		for i := range pa.F64 {
			if pa.F64[i] != pb.F64[i] {
				t.Fatalf("step %d: repeated rows give value %d = %v, coalesced %v", step+1, i, pa.F64[i], pb.F64[i])
			}
		}
	}
	if len(repeated.Rows) != 3 || repeated.Rows[0] != 3 || repeated.Values[0] != 0.5 {
		t.Fatal("the caller's sparse gradient was modified")
	}
	sa, sb := state(oa, pa), state(ob, pb)
	for _, name := range bufs {
		ba, bb := sa.Buf(name).([]float64), sb.Buf(name).([]float64)
		if len(ba) != rows*cols {
			t.Fatalf("state %q has %d values, want %d", name, len(ba), rows*cols)
		}
		for i := range ba {
			if ba[i] != bb[i] {
				t.Fatalf("state %q[%d]: repeated %v, coalesced %v", name, i, ba[i], bb[i])
			}
			if r := i / cols; r != 1 && r != 3 && ba[i] != init {
				t.Fatalf("state %q of untouched row %d changed to %v", name, r, ba[i])
			}
		}
	}
	for i := range pa.F64 {
		if r := i / cols; r != 1 && r != 3 && pa.F64[i] != start[i] {
			t.Fatalf("untouched row %d changed: %v, was %v", r, pa.F64[i], start[i])
		}
		if r := i / cols; (r == 1 || r == 3) && pa.F64[i] == start[i] {
			t.Fatalf("row %d did not move", r)
		}
	}

	// An empty gradient: only the step count moves.
	before := append([]float64(nil), pa.F64...)
	pa.Sparse = &SparseGrad{}
	if err := oa.Step(); err != nil {
		t.Fatal(err)
	}
	if s := state(oa, pa); s.Step != 4 {
		t.Fatalf("step count %d after 4 steps", s.Step)
	}
	for i := range before {
		if pa.F64[i] != before[i] {
			t.Fatalf("an empty gradient changed value %d", i)
		}
	}

	// maximize is descent on the negated gradient.
	pm, om := newTable(true)
	pn, on := newTable(false)
	for range 3 {
		neg := make([]float64, len(repeated.Values))
		for i, v := range repeated.Values {
			neg[i] = -v
		}
		pm.Sparse = repeated
		pn.Sparse = &SparseGrad{Rows: repeated.Rows, Values: neg}
		if err := om.Step(); err != nil {
			t.Fatal(err)
		}
		if err := on.Step(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range pm.F64 {
		if pm.F64[i] != pn.F64[i] {
			t.Fatalf("maximize: value %d = %v, descent on -g %v", i, pm.F64[i], pn.F64[i])
		}
	}

	// Malformed gradients are refused.
	for _, bad := range []*SparseGrad{
		{Rows: []int{5}, Values: []float64{1, 2}},
		{Rows: []int{0}, Values: []float64{1}},
		{Rows: []int{0}, V32: []float32{1, 2}},
	} {
		p, o := newTable(false)
		p.Sparse = bad
		if err := o.Step(); err == nil {
			t.Fatalf("sparse gradient %+v accepted", bad)
		}
	}
}

// ptaMaximizeMirror checks that maximize on gradient g moves exactly as
// descent on −g, over a few dense steps of a small parameter.
func ptaMaximizeMirror(t *testing.T, build func([]*Param, bool) (Optimizer, error)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	start := make([]float64, 6)
	for i := range start {
		start[i] = rng.NormFloat64()
	}
	pm := NewParam("w", append([]float64(nil), start...), make([]float64, 6))
	pn := NewParam("w", append([]float64(nil), start...), make([]float64, 6))
	om, err := build([]*Param{pm}, true)
	if err != nil {
		t.Fatal(err)
	}
	on, err := build([]*Param{pn}, false)
	if err != nil {
		t.Fatal(err)
	}
	for step := range 4 {
		for i := range pm.G64 {
			g := rng.NormFloat64()
			pm.G64[i], pn.G64[i] = g, -g
		}
		if err := om.Step(); err != nil {
			t.Fatal(err)
		}
		if err := on.Step(); err != nil {
			t.Fatal(err)
		}
		for i := range pm.F64 {
			if pm.F64[i] != pn.F64[i] {
				t.Fatalf("step %d: maximize value %d = %v, descent on -g %v", step+1, i, pm.F64[i], pn.F64[i])
			}
		}
	}
}

// ptaResumeExact checks that saving the state after three steps and
// loading it into a fresh optimizer over a copy of the parameter continues
// bit for bit as the original.
func ptaResumeExact(t *testing.T, build func([]*Param) (Optimizer, error)) {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 6))
	p := NewParam("w", []float64{0.3, -0.1, 0.7, 1.2}, make([]float64, 4))
	o, err := build([]*Param{p})
	if err != nil {
		t.Fatal(err)
	}
	grads := make([][]float64, 6)
	for k := range grads {
		grads[k] = []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
	}
	for k := range 3 {
		copy(p.G64, grads[k])
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
	}
	q := NewParam("w", append([]float64(nil), p.F64...), make([]float64, 4))
	o2, err := build([]*Param{q})
	if err != nil {
		t.Fatal(err)
	}
	if err := o2.LoadStateDict(o.StateDict()); err != nil {
		t.Fatal(err)
	}
	for k := 3; k < 6; k++ {
		copy(p.G64, grads[k])
		copy(q.G64, grads[k])
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
		if err := o2.Step(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range p.F64 {
		if p.F64[i] != q.F64[i] {
			t.Fatalf("resumed value %d = %v, uninterrupted %v", i, q.F64[i], p.F64[i])
		}
	}
}

// ptaRefusesSparse checks that a dense-only optimizer refuses a sparse
// gradient.
func ptaRefusesSparse(t *testing.T, build func([]*Param) (Optimizer, error)) {
	t.Helper()
	p := NewParam[float64]("emb", []float64{1, 2, 3, 4}, nil, 2, 2)
	o, err := build([]*Param{p})
	if err != nil {
		t.Fatal(err)
	}
	p.Sparse = &SparseGrad{Rows: []int{1}, Values: []float64{1, 1}}
	if err := o.Step(); err == nil || !strings.Contains(err.Error(), "sparse") {
		t.Fatalf("sparse gradient: error %v, want one about sparse gradients", err)
	}
	if p.F64[2] != 3 {
		t.Fatal("parameter changed by a refused step")
	}
}

// ptaRegistered checks that spec builds the optimizer called name.
func ptaRegistered(t *testing.T, spec, name string) {
	t.Helper()
	o, err := New(spec, ptaVec())
	if err != nil {
		t.Fatalf("New(%q): %v", spec, err)
	}
	if o.Name() != name {
		t.Fatalf("New(%q).Name() = %q, want %q", spec, o.Name(), name)
	}
}
