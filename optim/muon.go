package optim

import (
	"fmt"
	"math"

	"github.com/descent-ml/descent/internal/parallel"
)

// MuonConfig holds Muon's hyperparameters and those of its AdamW fallback.
// The zero value is the reference's default: Keller Jordan's Muon
// (github.com/KellerJordan/Muon, muon.py: lr 0.02, momentum 0.95, Nesterov,
// 5 Newton–Schulz steps, no weight decay) and, for the fallback, the AdamW
// of its MuonWithAuxAdam (lr 3e-4, betas 0.9/0.95, eps 1e-10, no weight
// decay).
type MuonConfig struct {
	LR          float64 `json:"lr"`           // learning rate γ of the Muon update (default 0.02)
	Momentum    float64 `json:"momentum"`     // momentum μ, 0 <= μ < 1 (default 0.95)
	WeightDecay float64 `json:"weight_decay"` // decoupled weight decay λ (default 0)
	NoNesterov  bool    `json:"no_nesterov"`  // orthogonalise the momentum itself, not the Nesterov mix (default false: Nesterov)
	NSSteps     int     `json:"ns_steps"`     // Newton–Schulz iterations (default 5)
	Eps         float64 `json:"eps"`          // ε added to the Frobenius norm before the iteration (default 1e-7)
	// AdjustLR chooses the shape scaling s of the orthogonal update:
	// "original" (default), s = √max(1, rows/cols) as the reference, or
	// "match_rms_adamw", s = 0.2·√max(rows, cols) (Liu et al. 2025), which
	// gives the update the RMS of a typical AdamW update so AdamW's learning
	// rate and weight decay carry over.
	AdjustLR string `json:"adjust_lr_fn"`
	// UseAdamW sends every parameter of the group to the AdamW fallback,
	// whatever its shape: for embeddings, output heads and the like.
	UseAdamW bool `json:"use_adamw"`

	AdamWLR          float64    `json:"adamw_lr"`    // fallback learning rate (default 3e-4)
	AdamWBetas       [2]float64 `json:"adamw_betas"` // fallback β₁, β₂ (default 0.9, 0.95)
	AdamWEps         float64    `json:"adamw_eps"`   // fallback ε (default 1e-10)
	AdamWWeightDecay float64    `json:"adamw_wd"`    // fallback decoupled weight decay (default 0)
}

// Muon is MomentUm Orthogonalized by Newton–Schulz:
//
//	Keller Jordan, Yuchen Jin, Vlado Boza, Jiacheng You, Franz Cesista,
//	Laker Newhouse, Jeremy Bernstein (2024), "Muon: An optimizer for hidden
//	layers in neural networks", kellerjordan.github.io/posts/muon
//
// with the update-RMS scaling of
//
//	Jingyuan Liu, Jianlin Su, Xingcheng Yao, et al. (2025), "Muon is
//	Scalable for LLM Training", arXiv:2502.16982
//
// available as AdjustLR "match_rms_adamw". A parameter whose Shape has two
// or more dimensions is seen as a matrix G of [Shape[0], rest] (a
// convolution's filters flattened per output channel), and at each step:
//
//	B ← μB + (1−μ)G                       (B starts at 0)
//	U ← (1−μ)G + μB if Nesterov, else B
//	O ← NS₅(U)
//	W ← W(1 − γλ) − γ s O
//
// where NS₅ is the quintic Newton–Schulz iteration: X₀ = U / (‖U‖_F + ε),
// transposed when U has more rows than columns so that XXᵀ is the smaller
// Gram matrix, then five times
//
//	A = XXᵀ,   X ← aX + (bA + cA²)X,   (a, b, c) = (3.4445, −4.7750, 2.0315)
//
// which maps each singular value σ of X through the odd polynomial
// aσ + bσ³ + cσ⁵, pushing all of them towards 1: after five steps every σ
// above about 0.003 lies in [0.68, 1.14] (the coefficients trade exactness
// for speed), so O ≈ UVᵀ of U = USVᵀ.
// The scale s is √max(1, rows/cols) by default, as the reference: it keeps
// the per-element size of updates of tall matrices (where O has unit
// singular values but only cols of them) comparable to wide ones, and the
// reference's learning rate 0.02 is tuned for it.
//
// The iteration runs in float64 whatever the parameter's type (the
// reference runs it in bfloat16); rows of the matrix products are spread
// over cores for large matrices, each entry computed by one goroutine in a
// fixed order, so results do not depend on the thread count.
//
// Parameters with fewer than two dimensions (biases, norm gains), and all
// parameters of a group with UseAdamW, are updated by the AdamW of the
// reference's MuonWithAuxAdam instead, at step t:
//
//	m ← m + (1−β₁)(g − m),   v ← v + (1−β₂)(g² − v)
//	θ ← θ(1 − γ_a λ_a) − γ_a · (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε_a)
//
// Muon's state is "momentum_buffer"; the fallback's "exp_avg" and
// "exp_avg_sq" with the step count.
type Muon struct {
	core[MuonConfig]
}

// The quintic Newton–Schulz coefficients of the reference.
const (
	muonA = 3.4445
	muonB = -4.7750
	muonC = 2.0315
)

func init() {
	register("muon", "Muon", func(p []*Param, c MuonConfig) (Optimizer, error) { return NewMuon(p, c) })
}

// NewMuon returns Muon over one group of params. Add the parameters that
// Muon should leave to AdamW even though they are matrices (embeddings, the
// output layer) as their own group with UseAdamW set.
func NewMuon(params []*Param, cfg MuonConfig) (*Muon, error) {
	o := &Muon{}
	if err := o.setup("Muon", cfg, resolveMuon, o.update, params); err != nil {
		return nil, err
	}
	return o, nil
}

func resolveMuon(c *MuonConfig) error {
	c.LR = OrDefault(c.LR, 0.02)
	c.Momentum = OrDefault(c.Momentum, 0.95)
	c.Eps = OrDefault(c.Eps, 1e-7)
	if c.NSSteps == 0 {
		c.NSSteps = 5
	}
	if c.AdjustLR == "" {
		c.AdjustLR = "original"
	}
	c.AdamWLR = OrDefault(c.AdamWLR, 3e-4)
	c.AdamWBetas[0] = OrDefault(c.AdamWBetas[0], 0.9)
	c.AdamWBetas[1] = OrDefault(c.AdamWBetas[1], 0.95)
	c.AdamWEps = OrDefault(c.AdamWEps, 1e-10)
	if err := checkNonNeg("learning rate", c.LR); err != nil {
		return err
	}
	if !(c.Momentum >= 0 && c.Momentum < 1) {
		return fmt.Errorf("invalid momentum value: %v (want 0 <= momentum < 1)", c.Momentum)
	}
	if err := checkNonNeg("weight_decay value", c.WeightDecay); err != nil {
		return err
	}
	if c.NSSteps < 1 {
		return fmt.Errorf("invalid ns_steps: %d (want at least 1)", c.NSSteps)
	}
	if err := checkNonNeg("epsilon value", c.Eps); err != nil {
		return err
	}
	if c.AdjustLR != "original" && c.AdjustLR != "match_rms_adamw" {
		return fmt.Errorf("invalid adjust_lr_fn: %q (want original or match_rms_adamw)", c.AdjustLR)
	}
	if err := checkNonNeg("adamw learning rate", c.AdamWLR); err != nil {
		return err
	}
	for i, b := range c.AdamWBetas {
		if !(b >= 0 && b < 1) {
			return fmt.Errorf("invalid adamw beta parameter at index %d: %v (want 0 <= beta < 1)", i, b)
		}
	}
	if err := checkNonNeg("adamw epsilon value", c.AdamWEps); err != nil {
		return err
	}
	return checkNonNeg("adamw weight_decay value", c.AdamWWeightDecay)
}

// muonMatrix reports whether Muon (not the fallback) updates p, and p's
// matrix view.
func muonMatrix(c *MuonConfig, p *Param) (rows, cols int, ok bool) {
	if c.UseAdamW || len(p.Shape) < 2 {
		return 0, 0, false
	}
	rows, cols = p.shape2()
	return rows, cols, true
}

func (o *Muon) update(c *MuonConfig, p *Param, s *State) error {
	if p.Sparse != nil {
		return errSparse
	}
	s.Step++
	rows, cols, ok := muonMatrix(c, p)
	if !ok {
		t := float64(s.Step)
		h := muonAdamStep{
			lr: c.AdamWLR, beta1: c.AdamWBetas[0], beta2: c.AdamWBetas[1], eps: c.AdamWEps,
			bc1: 1 - math.Pow(c.AdamWBetas[0], t), bc2: 1 - math.Pow(c.AdamWBetas[1], t),
			decay: 1 - c.AdamWLR*c.AdamWWeightDecay,
		}
		if p.F32 != nil {
			muonAdamParam(&h, s, p.F32, p.G32)
		} else {
			muonAdamParam(&h, s, p.F64, p.G64)
		}
		return nil
	}
	if rows == 0 || cols == 0 {
		return nil
	}
	scale := math.Sqrt(max(1, float64(rows)/float64(cols)))
	if c.AdjustLR == "match_rms_adamw" {
		scale = 0.2 * math.Sqrt(float64(max(rows, cols)))
	}
	if p.F32 != nil {
		muonParam(c, s, rows, cols, scale, p.F32, p.G32)
	} else {
		muonParam(c, s, rows, cols, scale, p.F64, p.G64)
	}
	return nil
}

func muonParam[T Float](c *MuonConfig, s *State, rows, cols int, scale float64, x, g []T) {
	b := buf[T](s, "momentum_buffer", len(x), 0)
	mu := T(c.Momentum)
	w := 1 - mu
	nesterov := !c.NoNesterov
	u := make([]float64, len(x))
	parallel.For(len(x), grain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			bi := torchLerp(b[i], g[i], w)
			b[i] = bi
			if nesterov {
				u[i] = float64(torchLerp(g[i], bi, mu))
			} else {
				u[i] = float64(bi)
			}
		}
	})
	newtonSchulz(u, rows, cols, c.NSSteps, c.Eps)
	lr, sc := T(c.LR), T(scale)
	decay := T(1 - c.LR*c.WeightDecay)
	parallel.For(len(x), grain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			xi := x[i]
			if decay != 1 {
				xi *= decay
			}
			x[i] = xi - lr*(T(u[i])*sc)
		}
	})
}

// newtonSchulz replaces the rows×cols matrix u (row-major) by its quintic
// Newton–Schulz orthogonalisation after steps iterations; eps is added to
// the Frobenius norm of u before the iteration.
func newtonSchulz(u []float64, rows, cols, steps int, eps float64) {
	m, n := rows, cols
	x := u
	tall := rows > cols
	if tall {
		m, n = cols, rows
		x = make([]float64, len(u))
		muonTranspose(x, u, rows, cols)
	}
	norm := math.Sqrt(muonSumSquares(x)) + eps
	inv := 1 / norm
	for i := range x {
		x[i] *= inv
	}
	a := make([]float64, m*m)
	b := make([]float64, m*m)
	y := make([]float64, m*n)
	for range steps {
		// A = X Xᵀ
		muonMatMulABt(a, x, x, m, n, m)
		// B = bA + c A·A  (A symmetric, so A·A = A·Aᵀ)
		muonMatMulABt(b, a, a, m, m, m)
		for i := range b {
			b[i] = muonB*a[i] + muonC*b[i]
		}
		// X ← aX + B X
		muonMatMulAB(y, b, x, m, m, n)
		for i := range x {
			x[i] = muonA*x[i] + y[i]
		}
	}
	if tall {
		muonTranspose(u, x, m, n)
	}
}

// muonTranspose writes the transpose of the r×c matrix src into dst (c×r).
func muonTranspose(dst, src []float64, r, c int) {
	for i := range r {
		for j := range c {
			dst[j*r+i] = src[i*c+j]
		}
	}
}

// muonRowGrain is how many rows of a product to give one goroutine so that
// each chunk does about 2^16 multiply-adds.
func muonRowGrain(perRow int) int {
	return max(1, (1<<16)/max(1, perRow))
}

// muonMatMulABt sets dst (m×p) = A (m×k) · Bᵀ, B being p×k, all row-major.
func muonMatMulABt(dst, a, b []float64, m, k, p int) {
	parallel.For(m, muonRowGrain(k*p), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ai := a[i*k : (i+1)*k]
			di := dst[i*p : (i+1)*p]
			for j := range di {
				bj := b[j*k : (j+1)*k]
				var s float64
				for l, v := range ai {
					s += v * bj[l]
				}
				di[j] = s
			}
		}
	})
}

// muonMatMulAB sets dst (m×p) = A (m×k) · B (k×p), all row-major.
func muonMatMulAB(dst, a, b []float64, m, k, p int) {
	parallel.For(m, muonRowGrain(k*p), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			di := dst[i*p : (i+1)*p]
			clear(di)
			for l, v := range a[i*k : (i+1)*k] {
				bl := b[l*p : (l+1)*p]
				for j := range di {
					di[j] += v * bl[j]
				}
			}
		}
	})
}

// muonSumSquares returns Σ x², combining fixed chunks in order so the result
// does not depend on the thread count.
func muonSumSquares(x []float64) float64 {
	parts := make([]float64, parallel.Chunks(len(x), grain))
	parallel.For(len(x), grain, func(lo, hi int) {
		var s float64
		for _, v := range x[lo:hi] {
			s += v * v
		}
		parts[lo/grain] = s
	})
	var s float64
	for _, p := range parts {
		s += p
	}
	return s
}

// muonAdamStep is one step's scalars of Muon's AdamW fallback.
type muonAdamStep struct {
	lr, beta1, beta2, eps float64
	bc1, bc2, decay       float64
}

func muonAdamParam[T Float](h *muonAdamStep, s *State, x, g []T) {
	m := buf[T](s, "exp_avg", len(x), 0)
	v := buf[T](s, "exp_avg_sq", len(x), 0)
	w1, w2 := T(1-h.beta1), T(1-h.beta2)
	bc1, bc2, eps := T(h.bc1), T(h.bc2), T(h.eps)
	lr, decay := T(h.lr), T(h.decay)
	parallel.For(len(x), grain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			gi := g[i]
			mi := torchLerp(m[i], gi, w1)
			vi := torchLerp(v[i], gi*gi, w2)
			m[i], v[i] = mi, vi
			upd := (mi / bc1) / (T(math.Sqrt(float64(vi/bc2))) + eps)
			xi := x[i]
			if decay != 1 {
				xi *= decay
			}
			x[i] = xi - lr*upd
		}
	})
}
