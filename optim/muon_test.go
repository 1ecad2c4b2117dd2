package optim

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/descent-ml/descent/internal/parallel"
)

// modbNSPoly applies the quintic Newton–Schulz polynomial to one singular
// value steps times: what the iteration does to each singular value.
func modbNSPoly(s float64, steps int) float64 {
	for range steps {
		s = muonA*s + muonB*s*s*s + muonC*s*s*s*s*s
	}
	return s
}

// modbSingular2 returns the two singular values of a 2×n or n×2 matrix
// (row-major, rows×cols) from the eigenvalues of its 2×2 Gram matrix.
func modbSingular2(m []float64, rows, cols int) (float64, float64) {
	at := func(i, j int) float64 { return m[i*cols+j] }
	var g [2][2]float64
	if rows == 2 { // M Mᵀ
		for i := range 2 {
			for j := range 2 {
				for k := range cols {
					g[i][j] += at(i, k) * at(j, k)
				}
			}
		}
	} else { // Mᵀ M
		for i := range 2 {
			for j := range 2 {
				for k := range rows {
					g[i][j] += at(k, i) * at(k, j)
				}
			}
		}
	}
	tr, det := g[0][0]+g[1][1], g[0][0]*g[1][1]-g[0][1]*g[1][0]
	d := math.Sqrt(tr*tr/4 - det)
	return math.Sqrt(tr/2 + d), math.Sqrt(max(0, tr/2-d))
}

func TestModbNewtonSchulz(t *testing.T) {
	cases := []struct {
		name       string
		m          []float64
		rows, cols int
	}{
		{"2x3", []float64{1, 2, -1, 0.5, -3, 2}, 2, 3},
		{"3x2", []float64{1, 0.5, 2, -3, -1, 2}, 3, 2},
		{"2x3 ill-conditioned", []float64{1, 2, 3, 1.1, 2, 3}, 2, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := append([]float64(nil), tc.m...)
			newtonSchulz(u, tc.rows, tc.cols, 5, 1e-7)
			s1, s2 := modbSingular2(u, tc.rows, tc.cols)
			i1, i2 := modbSingular2(tc.m, tc.rows, tc.cols)
			f := math.Hypot(i1, i2) + 1e-7
			// Each singular value σ of G/(‖G‖_F + ε) goes through the
			// polynomial (the map is not monotone, so compare sorted).
			p1, p2 := modbNSPoly(i1/f, 5), modbNSPoly(i2/f, 5)
			if p1 < p2 {
				p1, p2 = p2, p1
			}
			modbClose(t, "singular values", []float64{s1, s2}, []float64{p1, p2}, 1e-9)
			// The quintic's known range: every σ above ~0.003 lands in
			// [0.68, 1.14] after five steps (not exactly 1: the
			// coefficients trade exactness for speed).
			for k, s := range []float64{s1, s2} {
				if s < 0.68 || s > 1.2 {
					t.Errorf("singular value %d = %g, want in [0.68, 1.2]", k, s)
				}
			}
		})
	}
	t.Run("orthogonal rows by hand", func(t *testing.T) {
		// Rows (3,0,0) and (0,4,0): X₀ = G/(5+ε), singular values 3/(5+ε)
		// and 4/(5+ε) stay on the same entries.
		u := []float64{3, 0, 0, 0, 4, 0}
		newtonSchulz(u, 2, 3, 5, 1e-7)
		want := []float64{modbNSPoly(3/(5+1e-7), 5), 0, 0, 0, modbNSPoly(4/(5+1e-7), 5), 0}
		modbClose(t, "NS", u, want, 1e-13)
	})
}

func TestModbNewtonSchulzThreads(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rows, cols := 130, 90
	m := make([]float64, rows*cols)
	for i := range m {
		m[i] = rng.NormFloat64()
	}
	run := func(threads int) []float64 {
		prev := parallel.SetThreads(threads)
		defer parallel.SetThreads(prev)
		u := append([]float64(nil), m...)
		newtonSchulz(u, rows, cols, 5, 1e-7)
		return u
	}
	a, b := run(1), run(4)
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			t.Fatalf("entry %d: %v with 1 thread, %v with 4", i, a[i], b[i])
		}
	}
}

func TestModbMuonFirstStep(t *testing.T) {
	// Gradient with orthogonal rows (or columns): the first update is known
	// in closed form. With B₀ = 0, B₁ = (1−μ)G and U = (1−μ²)G (Nesterov)
	// or (1−μ)G, so NS sees singular values k·gᵢ/(k‖G‖ + ε).
	cases := []struct {
		name       string
		rows, cols int
		g          []float64 // nonzero entries 3 and 4
		cfg        MuonConfig
		scale      float64
	}{
		{"wide", 2, 3, []float64{3, 0, 0, 0, 0, 4}, MuonConfig{}, 1},
		{"tall", 3, 2, []float64{0, 3, 0, 0, 4, 0}, MuonConfig{LR: 0.1}, math.Sqrt(1.5)},
		{"wd", 2, 3, []float64{0, 3, 0, 4, 0, 0}, MuonConfig{WeightDecay: 0.5}, 1},
		{"no nesterov", 3, 2, []float64{3, 0, 0, 0, 0, 4}, MuonConfig{NoNesterov: true, Momentum: 0.9}, math.Sqrt(1.5)},
		{"match rms", 2, 3, []float64{3, 0, 0, 0, 4, 0}, MuonConfig{AdjustLR: "match_rms_adamw"}, 0.2 * math.Sqrt(3)},
	}
	for _, tc := range cases {
		for _, dt := range []DType{Float64, Float32} {
			t.Run(tc.name+" "+dt.String(), func(t *testing.T) {
				x0 := []float64{1, -1, 0.5, 2, 0, -0.25}
				var p *Param
				if dt == Float32 {
					x, g := make([]float32, 6), make([]float32, 6)
					for i := range x {
						x[i], g[i] = float32(x0[i]), float32(tc.g[i])
					}
					p = NewParam("w", x, g, tc.rows, tc.cols)
				} else {
					p = NewParam("w", append([]float64(nil), x0...), append([]float64(nil), tc.g...), tc.rows, tc.cols)
				}
				o, err := NewMuon([]*Param{p}, tc.cfg)
				if err != nil {
					t.Fatal(err)
				}
				c := o.Defaults()
				if err := o.Step(); err != nil {
					t.Fatal(err)
				}
				mu := c.Momentum
				k := 1 - mu*mu
				if c.NoNesterov {
					k = 1 - mu
				}
				want := make([]float64, 6)
				for i, gi := range tc.g {
					o := 0.0
					if gi != 0 {
						o = modbNSPoly(k*gi/(k*5+1e-7), 5)
					}
					want[i] = x0[i]*(1-c.LR*c.WeightDecay) - c.LR*tc.scale*o
				}
				got := p.F64
				tol := 1e-12
				if dt == Float32 {
					got = make([]float64, 6)
					for i, v := range p.F32 {
						got[i] = float64(v)
					}
					tol = 1e-6
				}
				modbClose(t, "W1", got, want, tol)
			})
		}
	}
}

func TestModbMuonFallbackFirstStep(t *testing.T) {
	// m₁ = (1−β₁)g, v₁ = (1−β₂)g²: bias-corrected, the step is
	// γ·g/(|g| + ε) after the decay θ(1 − γλ).
	cases := []struct {
		name  string
		p     *Param
		cfg   MuonConfig
		group bool // a matrix sent to AdamW by UseAdamW
	}{
		{"bias", NewParam("b", []float64{1, -2, 0}, []float64{0.5, -3, 1e-3}), MuonConfig{}, false},
		{"bias wd", NewParam("b", []float64{1, -2, 0}, []float64{0.5, -3, 1e-3}), MuonConfig{AdamWLR: 0.01, AdamWWeightDecay: 0.1, AdamWEps: 1e-3}, false},
		{"marked matrix", NewParam("emb", []float64{1, -2, 0}, []float64{0.5, -3, 1e-3}, 3, 1), MuonConfig{UseAdamW: true}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x0 := append([]float64(nil), tc.p.F64...)
			o, err := NewMuon([]*Param{tc.p}, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := o.Step(); err != nil {
				t.Fatal(err)
			}
			c := o.Defaults()
			want := make([]float64, 3)
			for i, g := range tc.p.G64 {
				want[i] = x0[i]*(1-c.AdamWLR*c.AdamWWeightDecay) - c.AdamWLR*g/(math.Abs(g)+c.AdamWEps)
			}
			modbClose(t, "θ1", tc.p.F64, want, 1e-14)
			if names := o.State(tc.p).BufNames(); len(names) != 2 || names[0] != "exp_avg" || names[1] != "exp_avg_sq" {
				t.Fatalf("fallback state %v, want exp_avg, exp_avg_sq", names)
			}
		})
	}
}

// modbLeastSquares minimises mean((AW + 1bᵀ − B)²) over W (8×4, Muon) and
// b (4, the AdamW fallback) and returns the final loss.
func modbLeastSquares(t *testing.T, dtype DType, steps int) (loss0, loss float64) {
	const n, d, k = 32, 8, 4
	rng := rand.New(rand.NewPCG(7, 11))
	a := make([]float64, n*d)
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	wStar := make([]float64, d*k)
	for i := range wStar {
		wStar[i] = rng.NormFloat64()
	}
	bStar := []float64{0.5, -1, 0.25, 2}
	target := make([]float64, n*k)
	for i := range n {
		for j := range k {
			s := bStar[j]
			for l := range d {
				s += a[i*d+l] * wStar[l*k+j]
			}
			target[i*k+j] = s
		}
	}
	var pw, pb *Param
	if dtype == Float32 {
		pw = NewParam("W", make([]float32, d*k), make([]float32, d*k), d, k)
		pb = NewParam("b", make([]float32, k), make([]float32, k))
	} else {
		pw = NewParam("W", make([]float64, d*k), make([]float64, d*k), d, k)
		pb = NewParam("b", make([]float64, k), make([]float64, k))
	}
	get := func(p *Param, i int) float64 {
		if p.F32 != nil {
			return float64(p.F32[i])
		}
		return p.F64[i]
	}
	set := func(p *Param, i int, v float64) {
		if p.F32 != nil {
			p.G32[i] = float32(v)
		} else {
			p.G64[i] = v
		}
	}
	const lr0, adamLR0 = 0.05, 0.05
	o, err := NewMuon([]*Param{pw, pb}, MuonConfig{LR: lr0, AdamWLR: adamLR0})
	if err != nil {
		t.Fatal(err)
	}
	eval := func(grad bool) float64 {
		r := make([]float64, n*k)
		var l float64
		for i := range n {
			for j := range k {
				s := get(pb, j) - target[i*k+j]
				for q := range d {
					s += a[i*d+q] * get(pw, q*k+j)
				}
				r[i*k+j] = s
				l += s * s
			}
		}
		if grad {
			for q := range d {
				for j := range k {
					var s float64
					for i := range n {
						s += a[i*d+q] * r[i*k+j]
					}
					set(pw, q*k+j, 2*s/(n*k))
				}
			}
			for j := range k {
				var s float64
				for i := range n {
					s += r[i*k+j]
				}
				set(pb, j, 2*s/(n*k))
			}
		}
		return l / (n * k)
	}
	loss0 = eval(false)
	for s := range steps {
		// Muon's orthogonalised step has a fixed size, so reaching zero
		// needs a decaying rate: a linear decay to zero, set as a
		// schedule would.
		f := 1 - float64(s)/float64(steps)
		o.SetHyper(0, "lr", lr0*f)
		o.SetHyper(0, "adamw_lr", adamLR0*f)
		eval(true)
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
	}
	return loss0, eval(false)
}

func TestModbMuonLeastSquares(t *testing.T) {
	cases := []struct {
		dtype DType
		tol   float64
	}{
		{Float64, 1e-6},
		{Float32, 1e-5},
	}
	for _, tc := range cases {
		t.Run(tc.dtype.String(), func(t *testing.T) {
			l0, l := modbLeastSquares(t, tc.dtype, 2000)
			t.Logf("loss %g -> %g", l0, l)
			if !(l < tc.tol*l0) {
				t.Fatalf("loss %g -> %g, want below %g", l0, l, tc.tol*l0)
			}
		})
	}
}

func TestModbMuonInvalid(t *testing.T) {
	cases := []struct {
		cfg  MuonConfig
		want string
	}{
		{MuonConfig{LR: -0.02}, "invalid learning rate: -0.02"},
		{MuonConfig{Momentum: 1}, "invalid momentum value: 1"},
		{MuonConfig{Momentum: -0.5}, "invalid momentum value: -0.5"},
		{MuonConfig{WeightDecay: -1}, "invalid weight_decay value: -1"},
		{MuonConfig{NSSteps: -2}, "invalid ns_steps: -2"},
		{MuonConfig{Eps: -1}, "invalid epsilon value: -1"},
		{MuonConfig{AdjustLR: "spectral"}, `invalid adjust_lr_fn: "spectral"`},
		{MuonConfig{AdamWLR: -1e-3}, "invalid adamw learning rate: -0.001"},
		{MuonConfig{AdamWBetas: [2]float64{0.9, 1}}, "invalid adamw beta parameter at index 1: 1"},
		{MuonConfig{AdamWEps: math.Inf(1)}, "invalid adamw epsilon value: +Inf"},
		{MuonConfig{AdamWWeightDecay: -0.1}, "invalid adamw weight_decay value: -0.1"},
	}
	for _, tc := range cases {
		_, err := NewMuon(nil, tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an error containing %q", tc.cfg, err, tc.want)
		}
	}
	if _, err := New("muon:nesterov=false", nil); err == nil || !strings.Contains(err.Error(), "no_nesterov") {
		t.Errorf("unknown key: got %v, want the allowed keys listed", err)
	}
}

func TestModbMuonDefaultsAndRegistry(t *testing.T) {
	o, err := New("muon:no_nesterov=true,adamw_betas=0.8/0.99", []*Param{NewParam("w", []float64{1, 2}, []float64{1, 1}, 1, 2)})
	if err != nil {
		t.Fatal(err)
	}
	if o.Name() != "Muon" {
		t.Fatalf("name %q", o.Name())
	}
	c := o.(*Muon).Defaults()
	want := MuonConfig{LR: 0.02, Momentum: 0.95, NoNesterov: true, NSSteps: 5, Eps: 1e-7, AdjustLR: "original",
		AdamWLR: 3e-4, AdamWBetas: [2]float64{0.8, 0.99}, AdamWEps: 1e-10}
	if c != want {
		t.Fatalf("config %+v, want %+v", c, want)
	}
}

func TestModbMuonResume(t *testing.T) {
	mk := func(p []*Param) Optimizer {
		// p[0] is a 2×3 matrix (Muon), p[1] a vector (fallback)
		o, err := NewMuon(p, MuonConfig{LR: 0.05, WeightDecay: 0.1, AdamWLR: 0.01, AdamWWeightDecay: 0.01})
		if err != nil {
			panic(err)
		}
		return o
	}
	for _, dt := range []DType{Float64, Float32} {
		t.Run(dt.String(), func(t *testing.T) {
			modbResume(t, mk, dt, 4, 6, nil, nil)
		})
	}
}
