package optim

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/descent-ml/descent/internal/parallel"
)

// lbfgsValues returns the parameters' values as float64, in order.
func lbfgsValues(params []*Param) []float64 {
	var x []float64
	for _, p := range params {
		if p.F64 != nil {
			x = append(x, p.F64...)
		} else {
			for _, v := range p.F32 {
				x = append(x, float64(v))
			}
		}
	}
	return x
}

// lbfgsSetGrads stores g (float64, over all parameters in order) in the
// parameters' gradient buffers.
func lbfgsSetGrads(params []*Param, g []float64) {
	off := 0
	for _, p := range params {
		p.EnsureGrad()
		n := p.Len()
		if p.F64 != nil {
			copy(p.G64, g[off:off+n])
		} else {
			for i := range n {
				p.G32[i] = float32(g[off+i])
			}
		}
		off += n
	}
}

// lbfgsObjective makes a closure over params from f, which returns the
// value and gradient at x (all parameters flattened); evals counts calls.
func lbfgsObjective(params []*Param, evals *int, f func(x []float64) (float64, []float64)) Closure {
	return func() (float64, error) {
		*evals++
		v, g := f(lbfgsValues(params))
		lbfgsSetGrads(params, g)
		return v, nil
	}
}

// lbfgsRosen is the n-dimensional Rosenbrock function and its gradient.
func lbfgsRosen(x []float64) (float64, []float64) {
	g := make([]float64, len(x))
	return rosenbrock(x, g), g
}

// lbfgsQuad is f(x) = ½xᵀAx − bᵀx for a fixed well-conditioned SPD A.
func lbfgsQuad(n int) (f func(x []float64) (float64, []float64), sol []float64) {
	a := make([][]float64, n)
	b := make([]float64, n)
	for i := range a {
		a[i] = make([]float64, n)
		for j := range a[i] {
			a[i][j] = 1 / float64(1+i+j) // Hilbert-like, made dominant below
		}
		a[i][i] += float64(i + 1)
		b[i] = float64(i) - 2
	}
	f = func(x []float64) (float64, []float64) {
		g := make([]float64, n)
		var v float64
		for i := range n {
			var ax float64
			for j := range n {
				ax += a[i][j] * x[j]
			}
			g[i] = ax - b[i]
			v += 0.5*x[i]*ax - b[i]*x[i]
		}
		return v, g
	}
	// Solve Ax = b by Gaussian elimination for the reference solution.
	m := make([][]float64, n)
	for i := range m {
		m[i] = append(append([]float64(nil), a[i]...), b[i])
	}
	for c := range n {
		for r := c + 1; r < n; r++ {
			k := m[r][c] / m[c][c]
			for j := c; j <= n; j++ {
				m[r][j] -= k * m[c][j]
			}
		}
	}
	sol = make([]float64, n)
	for i := n - 1; i >= 0; i-- {
		s := m[i][n]
		for j := i + 1; j < n; j++ {
			s -= m[i][j] * sol[j]
		}
		sol[i] = s / m[i][i]
	}
	return f, sol
}

// lbfgsParams splits x0 into parameters of the given sizes and dtypes.
func lbfgsParams(x0 []float64, sizes []int, f32 []bool) []*Param {
	var ps []*Param
	off := 0
	for i, n := range sizes {
		name := "p" + string(rune('0'+i))
		if f32 != nil && f32[i] {
			v := make([]float32, n)
			for j := range v {
				v[j] = float32(x0[off+j])
			}
			ps = append(ps, NewParam(name, v, make([]float32, n)))
		} else {
			ps = append(ps, NewParam(name, append([]float64(nil), x0[off:off+n]...), make([]float64, n)))
		}
		off += n
	}
	return ps
}

func TestLBFGSRosenbrock(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  LBFGSConfig
		f32  bool
		tol  float64
	}{
		{"fixed", LBFGSConfig{}, false, 1e-4},
		{"strong_wolfe", LBFGSConfig{LineSearchFn: "strong_wolfe"}, false, 1e-4},
		{"fixed_float32", LBFGSConfig{}, true, 1e-3},
		{"strong_wolfe_float32", LBFGSConfig{LineSearchFn: "strong_wolfe"}, true, 1e-3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			params := lbfgsParams([]float64{0, 0}, []int{2}, []bool{tc.f32})
			o, err := NewLBFGS(params, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			evals := 0
			closure := lbfgsObjective(params, &evals, lbfgsRosen)
			for range 50 {
				if _, err := o.StepClosure(closure); err != nil {
					t.Fatal(err)
				}
			}
			x := lbfgsValues(params)
			if math.Abs(x[0]-1) > tc.tol || math.Abs(x[1]-1) > tc.tol {
				t.Fatalf("after 50 steps x = %v, want (1, 1) within %g", x, tc.tol)
			}
		})
	}
}

func TestLBFGSQuadratic(t *testing.T) {
	const n = 6
	for _, ls := range []string{"", "strong_wolfe"} {
		t.Run("ls="+ls, func(t *testing.T) {
			f, sol := lbfgsQuad(n)
			params := lbfgsParams(make([]float64, n), []int{n}, nil)
			o, err := NewLBFGS(params, LBFGSConfig{LineSearchFn: ls, MaxIter: 50, MaxEval: 100, ToleranceGrad: 1e-10, ToleranceChange: 1e-16})
			if err != nil {
				t.Fatal(err)
			}
			evals := 0
			if _, err := o.StepClosure(lbfgsObjective(params, &evals, f)); err != nil {
				t.Fatal(err)
			}
			x := lbfgsValues(params)
			for i := range x {
				if math.Abs(x[i]-sol[i]) > 1e-7 {
					t.Fatalf("x = %v, want %v", x, sol)
				}
			}
			iters := o.State(params[0]).Scalar("n_iter")
			t.Logf("%v iterations, %d evaluations", iters, evals)
			if iters > 3*n {
				t.Fatalf("%v iterations for a %d-D quadratic", iters, n)
			}
			if got := o.State(params[0]).Scalar("func_evals"); got != float64(evals) {
				t.Fatalf("func_evals %v, closure called %d times", got, evals)
			}
		})
	}
}

func TestLBFGSDefaultsAndSpec(t *testing.T) {
	params := lbfgsParams([]float64{1, 2}, []int{2}, nil)
	o, err := New("lbfgs:lr=0.5,max_iter=8,line_search_fn=strong_wolfe,history_size=7", params)
	if err != nil {
		t.Fatal(err)
	}
	l := o.(*LBFGS)
	want := LBFGSConfig{LR: 0.5, MaxIter: 8, MaxEval: 10, ToleranceGrad: 1e-7, ToleranceChange: 1e-9, HistorySize: 7, LineSearchFn: "strong_wolfe"}
	if got := l.Groups()[0].Config; got != want {
		t.Fatalf("config %+v, want %+v", got, want)
	}
	d, err := NewLBFGS(params[:1], LBFGSConfig{})
	if err != nil {
		t.Fatal(err)
	}
	want = LBFGSConfig{LR: 1, MaxIter: 20, MaxEval: 25, ToleranceGrad: 1e-7, ToleranceChange: 1e-9, HistorySize: 100}
	if got := d.Defaults(); got != want {
		t.Fatalf("defaults %+v, want %+v", got, want)
	}
	if lr, err := o.Hyper(0, "lr"); err != nil || lr != 0.5 {
		t.Fatalf("Hyper(lr) = %v, %v", lr, err)
	}
}

func TestLBFGSInvalidHyper(t *testing.T) {
	for _, tc := range []struct {
		cfg  LBFGSConfig
		want string
	}{
		{LBFGSConfig{LR: -0.1}, "invalid learning rate: -0.1"},
		{LBFGSConfig{LR: math.NaN()}, "invalid learning rate: NaN"},
		{LBFGSConfig{MaxIter: -3}, "invalid max_iter: -3"},
		{LBFGSConfig{MaxEval: -2}, "invalid max_eval: -2"},
		{LBFGSConfig{ToleranceGrad: -1e-5}, "invalid tolerance_grad: -1e-05"},
		{LBFGSConfig{ToleranceChange: -2}, "invalid tolerance_change: -2"},
		{LBFGSConfig{HistorySize: -1}, "invalid history_size: -1"},
		{LBFGSConfig{LineSearchFn: "armijo"}, `invalid line_search_fn: "armijo"`},
	} {
		t.Run(tc.want, func(t *testing.T) {
			_, err := NewLBFGS(lbfgsParams([]float64{1}, []int{1}, nil), tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := NewLBFGS(nil, LBFGSConfig{}); err == nil {
		t.Fatal("empty parameter list accepted")
	}
	if _, err := New("lbfgs:line_search_fn=None", lbfgsParams([]float64{1}, []int{1}, nil)); err != nil {
		t.Fatalf("line_search_fn=None: %v", err)
	}
}

func TestLBFGSSingleGroup(t *testing.T) {
	params := lbfgsParams([]float64{1, 2, 3}, []int{2, 1}, nil)
	o, err := NewLBFGS(params[:1], LBFGSConfig{})
	if err != nil {
		t.Fatal(err)
	}
	err = o.AddGroup(LBFGSConfig{LR: 0.1}, params[1])
	if err == nil || !strings.Contains(err.Error(), "group") {
		t.Fatalf("second group: error %v, want a refusal", err)
	}
	if o.NumGroups() != 1 {
		t.Fatalf("%d groups", o.NumGroups())
	}
}

func TestLBFGSNeedsClosure(t *testing.T) {
	o, err := NewLBFGS(lbfgsParams([]float64{1}, []int{1}, nil), LBFGSConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Step(); !errors.Is(err, ErrNeedsClosure) {
		t.Fatalf("Step: %v", err)
	}
	if _, err := o.StepClosure(nil); !errors.Is(err, ErrNeedsClosure) {
		t.Fatalf("StepClosure(nil): %v", err)
	}
}

// lbfgsRun steps o n times, recording each step's loss and evaluations.
func lbfgsRun(t *testing.T, o Optimizer, params []*Param, n int) (losses []float64, evals []int) {
	t.Helper()
	for range n {
		e := 0
		loss, err := o.StepClosure(lbfgsObjective(params, &e, lbfgsRosen))
		if err != nil {
			t.Fatal(err)
		}
		losses, evals = append(losses, loss), append(evals, e)
	}
	return losses, evals
}

func TestLBFGSStateResume(t *testing.T) {
	x0 := []float64{-1.2, 1, -0.5, 0.8, 1.5}
	for _, tc := range []struct {
		name string
		cfg  LBFGSConfig
		f32  []bool
	}{
		{"fixed", LBFGSConfig{MaxIter: 4, HistorySize: 3}, nil},
		{"strong_wolfe", LBFGSConfig{MaxIter: 4, HistorySize: 3, LineSearchFn: "strong_wolfe"}, nil},
		{"float32", LBFGSConfig{MaxIter: 4, HistorySize: 3, LineSearchFn: "strong_wolfe"}, []bool{true, true}},
		{"mixed", LBFGSConfig{MaxIter: 4, HistorySize: 3}, []bool{false, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const before, after = 3, 5
			ref := lbfgsParams(x0, []int{3, 2}, tc.f32)
			oRef, err := NewLBFGS(ref, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			lbfgsRun(t, oRef, ref, before)
			var file bytes.Buffer
			if err := oRef.StateDict().Write(&file); err != nil {
				t.Fatal(err)
			}
			mid := lbfgsValues(ref)
			wantLoss, wantEvals := lbfgsRun(t, oRef, ref, after)

			res := lbfgsParams(x0, []int{3, 2}, tc.f32)
			for i, p := range res { // the parameters as they were when saved
				off := 0
				for _, q := range res[:i] {
					off += q.Len()
				}
				if p.F64 != nil {
					copy(p.F64, mid[off:])
				} else {
					for j := range p.F32 {
						p.F32[j] = float32(mid[off+j])
					}
				}
			}
			oRes, err := NewLBFGS(res, LBFGSConfig{})
			if err != nil {
				t.Fatal(err)
			}
			sd, err := ReadStateDict(&file)
			if err != nil {
				t.Fatal(err)
			}
			if err := oRes.LoadStateDict(sd); err != nil {
				t.Fatal(err)
			}
			gotLoss, gotEvals := lbfgsRun(t, oRes, res, after)
			for i := range wantLoss {
				if gotLoss[i] != wantLoss[i] || gotEvals[i] != wantEvals[i] {
					t.Fatalf("step %d after resume: loss %v, %d evaluations; uninterrupted %v, %d",
						i+1, gotLoss[i], gotEvals[i], wantLoss[i], wantEvals[i])
				}
			}
			want, got := lbfgsValues(ref), lbfgsValues(res)
			for i := range want {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
					t.Fatalf("x[%d] = %v after resume, uninterrupted %v", i, got[i], want[i])
				}
			}
			if n := len(oRef.State(ref[0]).Scalars); n < 6 {
				t.Fatalf("first parameter's state has %d scalars", n)
			}
		})
	}
}

// TestLBFGSSplitParams checks that splitting the parameter vector into
// several parameters does not change the algorithm.
func TestLBFGSSplitParams(t *testing.T) {
	const n = 7
	f, _ := lbfgsQuad(n)
	x0 := []float64{1, -1, 2, 0.5, -0.3, 0.7, 3}
	for _, ls := range []string{"", "strong_wolfe"} {
		one := lbfgsParams(x0, []int{n}, nil)
		three := lbfgsParams(x0, []int{3, 1, 3}, nil)
		var e1, e3 int
		o1, _ := NewLBFGS(one, LBFGSConfig{LineSearchFn: ls, MaxIter: 5})
		o3, _ := NewLBFGS(three, LBFGSConfig{LineSearchFn: ls, MaxIter: 5})
		for range 2 {
			if _, err := o1.StepClosure(lbfgsObjective(one, &e1, f)); err != nil {
				t.Fatal(err)
			}
			if _, err := o3.StepClosure(lbfgsObjective(three, &e3, f)); err != nil {
				t.Fatal(err)
			}
		}
		a, b := lbfgsValues(one), lbfgsValues(three)
		for i := range a {
			if math.Abs(a[i]-b[i]) > 1e-12*(1+math.Abs(a[i])) {
				t.Fatalf("ls=%q: x[%d] = %v as one parameter, %v as three", ls, i, a[i], b[i])
			}
		}
		if e1 != e3 {
			t.Fatalf("ls=%q: %d evaluations as one parameter, %d as three", ls, e1, e3)
		}
	}
}

func TestLBFGSMaxEval(t *testing.T) {
	params := lbfgsParams([]float64{-1.5, 2}, []int{2}, nil)
	o, err := NewLBFGS(params, LBFGSConfig{MaxIter: 20, MaxEval: 5})
	if err != nil {
		t.Fatal(err)
	}
	evals := 0
	if _, err := o.StepClosure(lbfgsObjective(params, &evals, lbfgsRosen)); err != nil {
		t.Fatal(err)
	}
	if evals != 5 {
		t.Fatalf("%d evaluations, want max_eval = 5", evals)
	}
}

func TestLBFGSNonFinite(t *testing.T) {
	nanAfter := func(params []*Param, evals *int, k int) Closure {
		return func() (float64, error) {
			*evals++
			v, g := lbfgsRosen(lbfgsValues(params))
			if *evals > k {
				g[1] = math.NaN()
			}
			lbfgsSetGrads(params, g)
			return v, nil
		}
	}
	t.Run("first evaluation", func(t *testing.T) {
		for _, policy := range []NonFinite{NonFiniteReject, NonFiniteSkip} {
			params := lbfgsParams([]float64{-1.5, 2}, []int{2}, nil)
			o, _ := NewLBFGS(params, LBFGSConfig{})
			o.SetNonFinite(policy)
			evals := 0
			loss, err := o.StepClosure(nanAfter(params, &evals, 0))
			var nf *NonFiniteError
			if policy == NonFiniteReject && !errors.As(err, &nf) {
				t.Fatalf("reject: error %v", err)
			}
			if policy == NonFiniteSkip && (err != nil || o.Skipped() != 1) {
				t.Fatalf("skip: error %v, %d skipped", err, o.Skipped())
			}
			if loss != 12.5 || evals != 1 {
				t.Fatalf("loss %v, %d evaluations", loss, evals)
			}
			if x := lbfgsValues(params); x[0] != -1.5 || x[1] != 2 {
				t.Fatalf("parameters moved to %v", x)
			}
			if len(o.StateDict().State) != 0 {
				t.Fatal("state changed by a refused step")
			}
		}
	})
	for _, ls := range []string{"", "strong_wolfe"} {
		t.Run("mid-step ls="+ls, func(t *testing.T) {
			params := lbfgsParams([]float64{-1.5, 2}, []int{2}, nil)
			o, _ := NewLBFGS(params, LBFGSConfig{LineSearchFn: ls})
			evals := 0
			var seen [][]float64
			bad := nanAfter(params, &evals, 4)
			closure := func() (float64, error) {
				seen = append(seen, lbfgsValues(params))
				return bad()
			}
			_, err := o.StepClosure(closure)
			var nf *NonFiniteError
			if !errors.As(err, &nf) {
				t.Fatalf("error %v, want a NonFiniteError", err)
			}
			x := lbfgsValues(params)
			found := false
			for _, s := range seen[:4] {
				found = found || (s[0] == x[0] && s[1] == x[1])
			}
			if !found {
				t.Fatalf("parameters %v are none of the iterates with a finite gradient %v", x, seen[:4])
			}
			// With a sound closure the run goes on and converges.
			good := 0
			for range 60 {
				if _, err := o.StepClosure(lbfgsObjective(params, &good, lbfgsRosen)); err != nil {
					t.Fatal(err)
				}
			}
			if x := lbfgsValues(params); math.Abs(x[0]-1) > 1e-4 || math.Abs(x[1]-1) > 1e-4 {
				t.Fatalf("after recovery x = %v", x)
			}
		})
	}
	t.Run("closure error", func(t *testing.T) {
		params := lbfgsParams([]float64{-1.5, 2}, []int{2}, nil)
		o, _ := NewLBFGS(params, LBFGSConfig{})
		boom := errors.New("boom")
		evals := 0
		_, err := o.StepClosure(func() (float64, error) {
			evals++
			if evals == 3 {
				return 0, boom
			}
			v, g := lbfgsRosen(lbfgsValues(params))
			lbfgsSetGrads(params, g)
			return v, nil
		})
		if !errors.Is(err, boom) {
			t.Fatalf("error %v, want the closure's", err)
		}
		for _, v := range lbfgsValues(params) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("parameters %v", lbfgsValues(params))
			}
		}
	})
}

func TestLBFGSSparseGrad(t *testing.T) {
	// A 2×2 table whose sparse gradient names row 1 twice: L-BFGS sees
	// the dense sum, as PyTorch's to_dense.
	p := &Param{Name: "emb", Shape: []int{2, 2}, F64: []float64{1, 1, 1, 1}}
	o, err := NewLBFGS([]*Param{p}, LBFGSConfig{MaxIter: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = o.StepClosure(func() (float64, error) {
		p.Sparse = &SparseGrad{Rows: []int{1, 1}, Values: []float64{1, 0.5, 1, 0.5}}
		return 0, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// First iteration: t = min(1, 1/Σ|g|)·lr = 1/3, d = −g.
	want := []float64{1, 1, 1 - 2.0/3, 1 - 1.0/3}
	for i := range want {
		if math.Abs(p.F64[i]-want[i]) > 1e-15 {
			t.Fatalf("values %v, want %v", p.F64, want)
		}
	}
}

// TestLBFGSThreads checks that a vector spanning many parallel chunks gives
// bit-identical results whatever the thread count.
func TestLBFGSThreads(t *testing.T) {
	const n = 3*grain + 123
	f := func(x []float64) (float64, []float64) {
		g := make([]float64, len(x))
		var v float64
		for i, xi := range x {
			c := 1 + float64(i%17)
			d := xi - float64(i%5)
			g[i] = c*d + 0.1*d*d*d
			v += 0.5*c*d*d + 0.025*d*d*d*d
		}
		return v, g
	}
	run := func(threads int, ls string) []float64 {
		prev := parallel.SetThreads(threads)
		defer parallel.SetThreads(prev)
		params := lbfgsParams(make([]float64, n), []int{n}, nil)
		o, err := NewLBFGS(params, LBFGSConfig{MaxIter: 6, HistorySize: 4, LineSearchFn: ls})
		if err != nil {
			t.Fatal(err)
		}
		evals := 0
		for range 2 {
			if _, err := o.StepClosure(lbfgsObjective(params, &evals, f)); err != nil {
				t.Fatal(err)
			}
		}
		return params[0].F64
	}
	for _, ls := range []string{"", "strong_wolfe"} {
		a, b := run(1, ls), run(4, ls)
		for i := range a {
			if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
				t.Fatalf("ls=%q: x[%d] = %v with 1 thread, %v with 4", ls, i, a[i], b[i])
			}
		}
	}
}
