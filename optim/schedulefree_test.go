package optim

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

// modbSF is what the tests drive of both Schedule-Free optimizers.
type modbSF interface {
	Optimizer
	Eval()
	Train()
	Training() bool
}

// modbRosenGrad is the gradient of the 2-D Rosenbrock function
// (1−a)² + 100(b−a²)².
func modbRosenGrad(a, b float64) (float64, float64) {
	return -2*(1-a) - 400*a*(b-a*a), 200 * (b - a*a)
}

// modbSFPaper runs the paper's form of Schedule-Free (explicit x and z, y
// interpolated) for steps steps with gradient grad(y), returning the y and
// x after each step.
type modbSFPaper struct {
	adam                 bool
	lr, beta, beta2, eps float64
	wd, r, power         float64
	warmup               int
	x, z, v              []float64
	lrMax, wsum          float64
	k                    int
}

func (m *modbSFPaper) y() []float64 {
	y := make([]float64, len(m.x))
	for i := range y {
		y[i] = (1-m.beta)*m.z[i] + m.beta*m.x[i]
	}
	return y
}

func (m *modbSFPaper) step(g []float64) {
	y := m.y()
	sched := 1.0
	if m.k < m.warmup {
		sched = float64(m.k+1) / float64(m.warmup)
	}
	lr := m.lr * sched
	if m.adam {
		lr *= math.Sqrt(1 - math.Pow(m.beta2, float64(m.k+1)))
	}
	if m.k == 0 {
		m.lrMax = -1
	}
	m.lrMax = max(m.lrMax, lr)
	w := math.Pow(float64(m.k+1), m.r) * math.Pow(m.lrMax, m.power)
	m.wsum += w
	c := w / m.wsum
	for i := range m.z {
		gi := g[i]
		if m.adam {
			m.v[i] = m.beta2*m.v[i] + (1-m.beta2)*gi*gi
			gi /= math.Sqrt(m.v[i]) + m.eps
		}
		gi += m.wd * y[i]
		m.z[i] -= lr * gi
		m.x[i] = (1-c)*m.x[i] + c*m.z[i]
	}
	m.k++
}

func modbClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	for i := range want {
		if math.Abs(got[i]-want[i]) > tol*max(1, math.Abs(want[i])) {
			t.Fatalf("%s[%d] = %.17g, want %.17g (tol %g)", what, i, got[i], want[i], tol)
		}
	}
}

func TestModbSFFirstStepsByHand(t *testing.T) {
	// Literal first steps: c₁ = 1, so y₁ = z₁ = x₁ = y₀ − γ₁g.
	t.Run("sgd literal", func(t *testing.T) {
		w, g := []float64{1, -2}, []float64{0.5, 1}
		o, err := NewScheduleFreeSGD([]*Param{NewParam("w", w, g)}, SFSGDConfig{LR: 0.1})
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
		modbClose(t, "y1", w, []float64{0.95, -2.1}, 1e-15)
		// Second step at g = (1, 1): c₂ = 1/2, y₂ = y₁ + 0.1(0.9/2 − 1)g.
		g[0], g[1] = 1, 1
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
		modbClose(t, "y2", w, []float64{0.95 - 0.055, -2.1 - 0.055}, 1e-15)
		// z₂ = z₁ − 0.1g = (0.85, −2.2), x₂ = (x₁ + z₂)/2.
		o.Eval()
		modbClose(t, "x2", w, []float64{0.9, -2.15}, 1e-14)
	})
	t.Run("adamw literal", func(t *testing.T) {
		// v₁ = (1−β₂)g², γ₁ = lr√(1−β₂): the step is lr·sign(g) up to ε.
		w, g := []float64{1, -2}, []float64{0.5, -3}
		o, err := NewScheduleFreeAdamW([]*Param{NewParam("w", w, g)}, SFAdamWConfig{})
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
		modbClose(t, "y1", w, []float64{1 - 0.0025, -2 + 0.0025}, 1e-8)
		s := math.Sqrt(0.001) // √(1−β₂)
		modbClose(t, "y1", w, []float64{1 - 0.0025*s*0.5/(s*0.5+1e-8), -2 + 0.0025*s*3/(s*3+1e-8)}, 1e-15)
	})

	// Several steps against the paper's explicit x/z form.
	cases := []struct {
		name string
		ref  modbSFPaper
	}{
		{"sgd", modbSFPaper{lr: 0.1, beta: 0.9, power: 2}},
		{"sgd wd warmup r", modbSFPaper{lr: 0.3, beta: 0.8, wd: 0.05, warmup: 3, r: 1, power: 2}},
		{"sgd unweighted", modbSFPaper{lr: 0.2, beta: 0.5, warmup: 2, power: 0}},
		{"adamw", modbSFPaper{adam: true, lr: 0.0025, beta: 0.9, beta2: 0.999, eps: 1e-8, power: 2}},
		{"adamw wd warmup r", modbSFPaper{adam: true, lr: 0.05, beta: 0.7, beta2: 0.99, eps: 1e-6, wd: 0.1, warmup: 4, r: 2, power: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ref := tc.ref
			y0 := []float64{0.5, -1.5, 2}
			ref.x = append([]float64(nil), y0...)
			ref.z = append([]float64(nil), y0...)
			ref.v = make([]float64, 3)
			w := append([]float64(nil), y0...)
			g := make([]float64, 3)
			p := NewParam("w", w, g)
			var o modbSF
			var err error
			power := ref.power
			if power == 0 {
				power = Zero
			}
			if ref.adam {
				o, err = NewScheduleFreeAdamW([]*Param{p}, SFAdamWConfig{LR: ref.lr, Betas: [2]float64{ref.beta, ref.beta2},
					Eps: ref.eps, WeightDecay: ref.wd, WarmupSteps: ref.warmup, R: ref.r, WeightLRPower: power})
			} else {
				o, err = NewScheduleFreeSGD([]*Param{p}, SFSGDConfig{LR: ref.lr, Momentum: ref.beta,
					WeightDecay: ref.wd, WarmupSteps: ref.warmup, R: ref.r, WeightLRPower: power})
			}
			if err != nil {
				t.Fatal(err)
			}
			for step := range 6 {
				// gradient of Σ (i+1)·w_i² / 2 + w_0·w_2, taken at y
				y := ref.y()
				modbClose(t, "y", w, y, 1e-12)
				for i := range g {
					g[i] = float64(i+1) * w[i]
				}
				g[0] += w[2]
				g[2] += w[0]
				ref.step(g)
				if err := o.Step(); err != nil {
					t.Fatal(err)
				}
				if step%2 == 1 {
					o.Eval()
					modbClose(t, "x", w, ref.x, 1e-12)
					o.Train()
				}
			}
			modbClose(t, "y", w, ref.y(), 1e-12)
		})
	}
}

func TestModbSFRosenbrock(t *testing.T) {
	cases := []struct {
		name  string
		adam  bool
		lr    float64
		dtype DType
	}{
		{"sgd", false, 0.01, Float64},
		{"sgd float32", false, 0.01, Float32},
		{"adamw", true, 0, Float64}, // the reference's default 0.0025
		{"adamw float32", true, 0, Float32},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var p *Param
			if tc.dtype == Float32 {
				p = NewParam("w", []float32{0, 0}, []float32{0, 0})
			} else {
				p = NewParam("w", []float64{0, 0}, []float64{0, 0})
			}
			var o modbSF
			var err error
			if tc.adam {
				o, err = NewScheduleFreeAdamW([]*Param{p}, SFAdamWConfig{LR: tc.lr})
			} else {
				o, err = NewScheduleFreeSGD([]*Param{p}, SFSGDConfig{LR: tc.lr})
			}
			if err != nil {
				t.Fatal(err)
			}
			get := func() (float64, float64) {
				if p.F32 != nil {
					return float64(p.F32[0]), float64(p.F32[1])
				}
				return p.F64[0], p.F64[1]
			}
			for range 10000 {
				ga, gb := modbRosenGrad(get())
				if p.F32 != nil {
					p.G32[0], p.G32[1] = float32(ga), float32(gb)
				} else {
					p.G64[0], p.G64[1] = ga, gb
				}
				if err := o.Step(); err != nil {
					t.Fatal(err)
				}
			}
			o.Eval()
			a, b := get()
			if d := math.Hypot(a-1, b-1); d > 3e-2 {
				t.Fatalf("x = (%g, %g), %g from (1, 1)", a, b, d)
			}
		})
	}
}

func TestModbSFInvalid(t *testing.T) {
	cases := []struct {
		name string
		make func() error
		want string
	}{
		{"sgd lr", func() error { _, err := NewScheduleFreeSGD(nil, SFSGDConfig{LR: -0.1}); return err }, "invalid learning rate: -0.1"},
		{"sgd momentum 1", func() error { _, err := NewScheduleFreeSGD(nil, SFSGDConfig{Momentum: 1}); return err }, "invalid momentum value: 1"},
		{"sgd momentum zero", func() error { _, err := NewScheduleFreeSGD(nil, SFSGDConfig{Momentum: Zero}); return err }, "invalid momentum value: -0"},
		{"sgd wd", func() error { _, err := NewScheduleFreeSGD(nil, SFSGDConfig{WeightDecay: -1}); return err }, "invalid weight_decay value: -1"},
		{"sgd warmup", func() error { _, err := NewScheduleFreeSGD(nil, SFSGDConfig{WarmupSteps: -5}); return err }, "invalid warmup_steps: -5"},
		{"sgd r", func() error { _, err := NewScheduleFreeSGD(nil, SFSGDConfig{R: -2}); return err }, "invalid r: -2"},
		{"sgd power", func() error { _, err := NewScheduleFreeSGD(nil, SFSGDConfig{WeightLRPower: math.NaN()}); return err }, "invalid weight_lr_power: NaN"},
		{"adamw lr", func() error { _, err := NewScheduleFreeAdamW(nil, SFAdamWConfig{LR: -3}); return err }, "invalid learning rate: -3"},
		{"adamw beta1 zero", func() error {
			_, err := NewScheduleFreeAdamW(nil, SFAdamWConfig{Betas: [2]float64{Zero, 0.9}})
			return err
		}, "invalid beta parameter at index 0: -0"},
		{"adamw beta2", func() error {
			_, err := NewScheduleFreeAdamW(nil, SFAdamWConfig{Betas: [2]float64{0.9, 1.5}})
			return err
		}, "invalid beta parameter at index 1: 1.5"},
		{"adamw eps", func() error { _, err := NewScheduleFreeAdamW(nil, SFAdamWConfig{Eps: -1e-8}); return err }, "invalid epsilon value: -1e-08"},
		{"adamw wd", func() error { _, err := NewScheduleFreeAdamW(nil, SFAdamWConfig{WeightDecay: -0.5}); return err }, "invalid weight_decay value: -0.5"},
		{"spec momentum", func() error { _, err := New("sfsgd:momentum=0", nil); return err }, "invalid momentum value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.make()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestModbSFDefaultsAndRegistry(t *testing.T) {
	cases := []struct {
		spec, name string
		key        string
		want       float64
	}{
		{"sfsgd", "SGDScheduleFree", "lr", 1},
		{"sfsgd", "SGDScheduleFree", "momentum", 0.9},
		{"sfsgd", "SGDScheduleFree", "weight_lr_power", 2},
		{"sfsgd:lr=0.5,r=1", "SGDScheduleFree", "r", 1},
		{"sfadamw", "AdamWScheduleFree", "lr", 0.0025},
		{"sfadamw", "AdamWScheduleFree", "beta2", 0.999},
		{"sfadamw", "AdamWScheduleFree", "eps", 1e-8},
		{"sfadamw:betas=0.8/0.99,weight_lr_power=0", "AdamWScheduleFree", "weight_lr_power", 0},
	}
	for _, tc := range cases {
		o, err := New(tc.spec, []*Param{NewParam("w", []float64{1}, []float64{1})})
		if err != nil {
			t.Fatalf("%s: %v", tc.spec, err)
		}
		if o.Name() != tc.name {
			t.Errorf("%s: name %q, want %q", tc.spec, o.Name(), tc.name)
		}
		if v, err := o.Hyper(0, tc.key); err != nil || v != tc.want {
			t.Errorf("%s: %s = %v, %v; want %v", tc.spec, tc.key, v, err, tc.want)
		}
	}
}

func TestModbSFEvalMode(t *testing.T) {
	for _, adam := range []bool{false, true} {
		w, g := []float64{1, 2}, []float64{0.3, -0.7}
		p := NewParam("w", w, g)
		idle := NewParam("idle", []float64{5}, nil) // never gets a gradient
		var o modbSF
		if adam {
			o, _ = NewScheduleFreeAdamW([]*Param{p, idle}, SFAdamWConfig{LR: 0.1})
		} else {
			o, _ = NewScheduleFreeSGD([]*Param{p, idle}, SFSGDConfig{LR: 0.1})
		}
		for range 3 {
			if err := o.Step(); err != nil {
				t.Fatal(err)
			}
		}
		y := append([]float64(nil), w...)
		o.Eval()
		o.Eval() // idempotent
		if o.Training() {
			t.Fatal("Training() after Eval")
		}
		x := append([]float64(nil), w...)
		if err := o.Step(); err == nil || !strings.Contains(err.Error(), "not in train mode") {
			t.Fatalf("step in eval mode: %v", err)
		}
		modbClose(t, "x after refused step", w, x, 0)
		if idle.F64[0] != 5 {
			t.Fatalf("parameter without state moved to %v", idle.F64[0])
		}
		o.Train()
		o.Train()
		if !o.Training() {
			t.Fatal("not Training() after Train")
		}
		modbClose(t, "y after eval/train", w, y, 1e-15)
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
	}
}

// modbSnapshot returns the bits of every parameter and state buffer of o.
func modbSnapshot(o Optimizer) []uint64 {
	var out []uint64
	add := func(b any) {
		switch b := b.(type) {
		case []float32:
			for _, v := range b {
				out = append(out, uint64(math.Float32bits(v)))
			}
		case []float64:
			for _, v := range b {
				out = append(out, math.Float64bits(v))
			}
		}
	}
	for g := range o.NumGroups() {
		for _, p := range o.Params(g) {
			add(p.F32)
			add(p.F64)
		}
	}
	sd := o.StateDict()
	for i := range len(sd.Params) {
		s := sd.State[i]
		if s == nil {
			continue
		}
		for _, n := range s.BufNames() {
			add(s.Buf(n))
		}
	}
	for _, g := range sd.Groups {
		c := modbCounters(g.Hyper)
		out = append(out, uint64(c.k), math.Float64bits(c.wsum), math.Float64bits(c.lrMax))
		if c.eval {
			out = append(out, 1)
		}
	}
	return out
}

// modbCounters reads a group's counters from its saved hyperparameters
// (the zero sfGroup if they are missing or incomplete).
func modbCounters(hyper []byte) sfGroup {
	var sv sfSaved
	if json.Unmarshal(hyper, &sv) != nil || sv.K == nil || sv.WeightSum == nil || sv.LRMax == nil || sv.TrainMode == nil {
		return sfGroup{}
	}
	return sfGroup{k: *sv.K, wsum: float64(*sv.WeightSum), lrMax: float64(*sv.LRMax), eval: !*sv.TrainMode}
}

// modbParams makes a float32 or float64 matrix (Shape [2,3]) and vector
// parameter with values from seed.
func modbParams(dtype DType, seed float64) []*Param {
	vals := func(n int, off float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = math.Sin(seed + off + 1.7*float64(i))
		}
		return v
	}
	m, b := vals(6, 0), vals(3, 10)
	if dtype == Float32 {
		f := func(x []float64) []float32 {
			o := make([]float32, len(x))
			for i, v := range x {
				o[i] = float32(v)
			}
			return o
		}
		return []*Param{NewParam("m", f(m), make([]float32, 6), 2, 3), NewParam("b", f(b), make([]float32, 3))}
	}
	return []*Param{NewParam("m", m, make([]float64, 6), 2, 3), NewParam("b", b, make([]float64, 3))}
}

// modbCloneParams deep-copies params (values and gradient buffers).
func modbCloneParams(ps []*Param) []*Param {
	var out []*Param
	for _, p := range ps {
		q := &Param{Name: p.Name, Shape: append([]int(nil), p.Shape...)}
		if p.F32 != nil {
			q.F32, q.G32 = append([]float32(nil), p.F32...), make([]float32, len(p.F32))
		} else {
			q.F64, q.G64 = append([]float64(nil), p.F64...), make([]float64, len(p.F64))
		}
		out = append(out, q)
	}
	return out
}

// modbSetGrads fills the gradients of a least-squares-like objective that
// depends on the values and the step number.
func modbSetGrads(ps []*Param, step int) {
	for j, p := range ps {
		for i := range p.Len() {
			c := math.Cos(float64(step*7+i*3+j)) * 0.5
			if p.F32 != nil {
				p.G32[i] = p.F32[i] - float32(c)
			} else {
				p.G64[i] = p.F64[i] - c
			}
		}
	}
}

// modbResume steps a and, from a copy of its state after `before` steps, a
// fresh optimizer b (built by mk) over copies of the parameters, and checks
// that both continue bit-identically, through StateDict directly and
// through the bytes of sd.Write.
func modbResume(t *testing.T, mk func([]*Param) Optimizer, dtype DType, before, after int, pause func(Optimizer), resume func(Optimizer)) {
	t.Helper()
	for _, viaBytes := range []bool{false, true} {
		pa := modbParams(dtype, 0.3)
		a := mk(pa)
		for s := range before {
			modbSetGrads(pa, s)
			if err := a.Step(); err != nil {
				t.Fatal(err)
			}
		}
		if pause != nil {
			pause(a)
		}
		sd := a.StateDict()
		if viaBytes {
			var buf bytes.Buffer
			if err := sd.Write(&buf); err != nil {
				t.Fatal(err)
			}
			var err error
			if sd, err = ReadStateDict(&buf); err != nil {
				t.Fatal(err)
			}
		}
		pb := modbCloneParams(pa)
		b := mk(pb)
		if err := b.LoadStateDict(sd); err != nil {
			t.Fatal(err)
		}
		if resume != nil {
			resume(a)
			resume(b)
		}
		for s := before; s < before+after; s++ {
			modbSetGrads(pa, s)
			modbSetGrads(pb, s)
			if err := a.Step(); err != nil {
				t.Fatal(err)
			}
			if err := b.Step(); err != nil {
				t.Fatal(err)
			}
		}
		sa, sb := modbSnapshot(a), modbSnapshot(b)
		if len(sa) != len(sb) {
			t.Fatalf("bytes=%v: snapshots of %d and %d words", viaBytes, len(sa), len(sb))
		}
		for i := range sa {
			if sa[i] != sb[i] {
				t.Fatalf("bytes=%v: word %d differs after resuming: %x vs %x", viaBytes, i, sa[i], sb[i])
			}
		}
	}
}

func TestModbSFResume(t *testing.T) {
	cases := []struct {
		name string
		mk   func([]*Param) Optimizer
	}{
		{"sgd", func(p []*Param) Optimizer {
			o, err := NewScheduleFreeSGD(p, SFSGDConfig{LR: 0.05, WeightDecay: 0.01, WarmupSteps: 4, R: 1})
			if err != nil {
				panic(err)
			}
			return o
		}},
		{"adamw", func(p []*Param) Optimizer {
			o, err := NewScheduleFreeAdamW(p, SFAdamWConfig{LR: 0.01, WeightDecay: 0.1, WarmupSteps: 3})
			if err != nil {
				panic(err)
			}
			return o
		}},
	}
	eval := func(o Optimizer) { o.(modbSF).Eval() }
	train := func(o Optimizer) { o.(modbSF).Train() }
	for _, tc := range cases {
		for _, dt := range []DType{Float64, Float32} {
			t.Run(tc.name+" "+dt.String(), func(t *testing.T) {
				modbResume(t, tc.mk, dt, 5, 7, nil, nil)
				// saved in eval mode (as the reference recommends), resumed with Train
				modbResume(t, tc.mk, dt, 5, 7, eval, train)
			})
		}
	}
}

// The counters k, γ_max and W belong to the parameter group and advance
// once at every step, as in the reference, whatever parameters got
// gradients: a parameter without a gradient does not move, and one that
// gets its first gradient late joins the group's average with the group's
// c. The expected values follow the reference's formulas by hand.
func TestModbSFGroupCounters(t *testing.T) {
	t.Run("sgd", func(t *testing.T) {
		// One group of a (a gradient every step) and b (none at step 2),
		// and a second group of c, whose first gradient comes at step 3.
		a := NewParam("a", []float64{1}, []float64{0})
		b := NewParam("b", []float64{2}, []float64{0})
		c := NewParam("c", []float64{3}, []float64{0})
		o, err := NewScheduleFreeSGD([]*Param{a, b}, SFSGDConfig{LR: 0.1, Momentum: 0.9})
		if err != nil {
			t.Fatal(err)
		}
		if err := o.AddGroup(SFSGDConfig{LR: 0.2}, c); err != nil {
			t.Fatal(err)
		}
		// With a constant rate every weight is γ², so c_t = 1/t in both
		// groups, and a step at c with gradient g moves
		// y ← y + c(z − y) + γ(β(1 − c) − 1)g,  z ← z − γg.
		type yz struct{ y, z float64 }
		step := func(v yz, lr, ct, g float64) yz {
			return yz{v.y + ct*(v.z-v.y) + lr*(0.9*(1-ct)-1)*g, v.z - lr*g}
		}
		wa, wb, wc := yz{1, 1}, yz{2, 2}, yz{3, 3}
		grads := [][3]float64{{0.5, -1, 0}, {0.25, 0, 0}, {-0.5, 2, 1.5}, {1, 0.5, -1}}
		for k, g := range grads {
			ct := 1 / float64(k+1)
			a.G64[0], b.G64[0], c.G64[0] = g[0], g[1], g[2]
			if k == 1 {
				b.G64 = nil
			}
			if k < 2 {
				c.G64 = nil
			}
			wa = step(wa, 0.1, ct, g[0])
			if k != 1 {
				wb = step(wb, 0.1, ct, g[1])
			}
			if k >= 2 {
				wc = step(wc, 0.2, ct, g[2])
			}
			if err := o.Step(); err != nil {
				t.Fatal(err)
			}
			b.G64, c.G64 = []float64{0}, []float64{0}
			modbClose(t, "a, b, c", []float64{a.F64[0], b.F64[0], c.F64[0]}, []float64{wa.y, wb.y, wc.y}, 1e-15)
		}
		// c's first step had c_3 = 1/3, not the 1 of a fresh average:
		// y = 3 + 0.2(0.9·2/3 − 1)·1.5 = 2.88.
		modbClose(t, "c after step 3", []float64{step(yz{3, 3}, 0.2, 1.0/3, 1.5).y}, []float64{2.88}, 1e-15)
		sd := o.StateDict()
		for g, want := range []sfGroup{{k: 4, lrMax: 0.1, wsum: 4 * 0.1 * 0.1}, {k: 4, lrMax: 0.2, wsum: 4 * 0.2 * 0.2}} {
			got := modbCounters(sd.Groups[g].Hyper)
			if got.k != want.k || got.lrMax != want.lrMax || math.Abs(got.wsum-want.wsum) > 1e-15 || got.eval {
				t.Errorf("group %d counters %+v, want %+v", g, got, want)
			}
		}
	})
	t.Run("adamw", func(t *testing.T) {
		// p gets a gradient at every step, q only at step 3: q's
		// exp_avg_sq starts there, with the group's bias correction and c.
		p := NewParam("p", []float64{1}, []float64{0.3})
		q := NewParam("q", []float64{-1}, nil)
		o, err := NewScheduleFreeAdamW([]*Param{p, q}, SFAdamWConfig{LR: 0.01})
		if err != nil {
			t.Fatal(err)
		}
		const b1, b2, eps = 0.9, 0.999, 1e-8
		var lrMax, wsum, ct, lr float64
		lrMax = -1
		for k := range 3 {
			lr = 0.01 * math.Sqrt(1-math.Pow(b2, float64(k+1)))
			lrMax = max(lrMax, lr)
			w := lrMax * lrMax
			wsum += w
			ct = w / wsum
			if k == 2 {
				q.G64 = []float64{-2}
			}
			if err := o.Step(); err != nil {
				t.Fatal(err)
			}
		}
		v := (1 - b2) * 4
		g := -2 / (math.Sqrt(v) + eps)
		want := -1 + lr*(b1*(1-ct)-1)*g // z starts at y: the lerp to z is 0
		modbClose(t, "q after its first step", q.F64, []float64{want}, 1e-15)
	})
}

// State saved when the counters were per parameter (each parameter's Step
// and its scalars lr_max, weight_sum, eval_mode) still loads and resumes
// bit-identically when the parameters agree; when they disagree it is
// refused with an error saying why.
func TestModbSFLoadPerParameterState(t *testing.T) {
	mk := func(ps []*Param) *ScheduleFreeAdamW {
		o, err := NewScheduleFreeAdamW(ps, SFAdamWConfig{LR: 0.01, WarmupSteps: 3})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	pa := modbParams(Float64, 0.7)
	a := mk(pa)
	for s := range 4 {
		modbSetGrads(pa, s)
		if err := a.Step(); err != nil {
			t.Fatal(err)
		}
	}
	a.Eval()
	// The older form of a's state.
	old := a.StateDict()
	gr := a.sf[0]
	var cfg SFAdamWConfig
	if err := json.Unmarshal(old.Groups[0].Hyper, &cfg); err != nil {
		t.Fatal(err)
	}
	h, _ := json.Marshal(cfg)
	old.Groups[0].Hyper = h
	for _, s := range old.State {
		s.Step = gr.k
		s.SetScalar("lr_max", gr.lrMax)
		s.SetScalar("weight_sum", gr.wsum)
		s.SetScalar("eval_mode", 1)
	}
	var file bytes.Buffer
	if err := old.Write(&file); err != nil {
		t.Fatal(err)
	}
	sd, err := ReadStateDict(&file)
	if err != nil {
		t.Fatal(err)
	}
	pb := modbCloneParams(pa)
	b := mk(pb)
	if err := b.LoadStateDict(sd); err != nil {
		t.Fatal(err)
	}
	if b.Training() {
		t.Fatal("state saved in eval mode loaded in train mode")
	}
	a.Train()
	b.Train()
	for s := 4; s < 7; s++ {
		modbSetGrads(pa, s)
		modbSetGrads(pb, s)
		if err := a.Step(); err != nil {
			t.Fatal(err)
		}
		if err := b.Step(); err != nil {
			t.Fatal(err)
		}
	}
	if sa, sb := modbSnapshot(a), modbSnapshot(b); !slices.Equal(sa, sb) {
		t.Fatal("resumed from the per-parameter form, the run differs")
	}
	for _, s := range b.StateDict().State {
		if s.Step != 0 || len(s.Scalars) != 0 {
			t.Fatalf("per-parameter counters kept after loading: step %d, %v", s.Step, s.Scalars)
		}
	}

	// Parameters that disagree cannot give the group's counters.
	old.State[1].Step = gr.k - 1
	c := mk(modbCloneParams(pa))
	before := modbSnapshot(c)
	if err := c.LoadStateDict(old); err == nil || !strings.Contains(err.Error(), "disagree") {
		t.Fatalf("disagreeing per-parameter counters: %v", err)
	}
	if !slices.Equal(before, modbSnapshot(c)) {
		t.Fatal("a refused load changed the optimizer")
	}
}
