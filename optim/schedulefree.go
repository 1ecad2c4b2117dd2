package optim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/descent-ml/descent/internal/parallel"
)

// SFSGDConfig holds Schedule-Free SGD's hyperparameters; the zero value is
// the reference SGDScheduleFree's default (lr 1.0, momentum 0.9, no weight
// decay, no warmup, r 0, weight_lr_power 2).
type SFSGDConfig struct {
	LR            float64 `json:"lr"`              // learning rate γ (default 1.0)
	Momentum      float64 `json:"momentum"`        // interpolation β, 0 < β < 1 (default 0.9)
	WeightDecay   float64 `json:"weight_decay"`    // L2 penalty λ, taken at y (default 0)
	WarmupSteps   int     `json:"warmup_steps"`    // linear warmup of γ over this many steps (default 0)
	R             float64 `json:"r"`               // polynomial weighting power r of the average (default 0)
	WeightLRPower float64 `json:"weight_lr_power"` // power p of max γ in the weights (default 2; Zero: unweighted)
}

// ScheduleFreeSGD is Schedule-Free SGD, from
//
//	Aaron Defazio, Xingyu (Alice) Yang, Harsh Mehta, Konstantin Mishchenko,
//	Ahmed Khaled, Ashok Cutkosky (2024), "The Road Less Scheduled",
//	arXiv:2405.15682,
//
// following the reference implementation facebookresearch/schedule_free
// (SGDScheduleFree). It needs no learning-rate schedule. Three sequences:
// z is the base SGD iterate, x a weighted running average of the z's (the
// point to evaluate and ship), and y, where the gradient is taken,
// interpolates between them:
//
//	y_t     = (1−β) z_t + β x_t
//	z_{t+1} = z_t − γ_t ∇f(y_t)
//	x_{t+1} = (1 − c_{t+1}) x_t + c_{t+1} z_{t+1}
//	c_{t+1} = w_{t+1} / Σ_{i≤t+1} w_i,   w_t = t^r · (max_{i≤t} γ_i)^p
//
// (β is momentum, p weight_lr_power). As in the reference the parameters
// hold y during training and x is not stored: from y and the state z, step
// t = k+1 (k steps done before) is
//
//	γ   = lr · min(1, (k+1)/warmup_steps)
//	γ_max ← max(γ_max, γ)                          (γ_max starts at −1)
//	w   = (k+1)^r · γ_max^p;   W ← W + w;   c = w/W (0 when W = 0)
//	g   ← ∇f(y) + λy
//	y   ← y + c (z − y) + γ (β(1−c) − 1) g
//	z   ← z − γ g                                  (z starts as y)
//
// Eval replaces y by x = y + (1 − 1/β)(z − y) in the parameters, for
// evaluating or saving the model, and Train turns x back into
// y = x + (1 − β)(z − x), as the reference's optimizer.eval() and .train().
// A step is refused while the parameters hold x.
//
// State, as in the reference: per parameter the buffer "z"; per parameter
// group the step count k, γ_max, W and the mode (train or eval). A group's
// counters advance once at every step, whether or not its parameters have
// gradients; a parameter without a gradient is left alone, and one that
// first gets a gradient late starts its z at its y then and joins the
// group's running average (its first c is the group's, not 1). StateDict
// saves a group's counters with its hyperparameters, under the reference's
// param_groups names "k", "weight_sum", "lr_max" and "train_mode", so that
// LoadStateDict resumes bit-identically, in either mode. State saved by
// descent before the counters were per group (k as each parameter's Step,
// and its scalars "lr_max", "weight_sum", "eval_mode") still loads when
// the parameters of each group agree on them, and is otherwise refused
// with an error saying so.
type ScheduleFreeSGD struct {
	core[SFSGDConfig]
	sf  sfGroups
	cur sfStep // the step of the group being updated
}

// SFAdamWConfig holds Schedule-Free AdamW's hyperparameters; the zero value
// is the reference AdamWScheduleFree's default (lr 0.0025, betas 0.9/0.999,
// eps 1e-8, no weight decay, no warmup, r 0, weight_lr_power 2).
type SFAdamWConfig struct {
	LR            float64    `json:"lr"`              // learning rate γ (default 0.0025)
	Betas         [2]float64 `json:"betas"`           // β₁ (interpolation), β₂ (second moment) (default 0.9, 0.999)
	Eps           float64    `json:"eps"`             // ε added to the denominator (default 1e-8)
	WeightDecay   float64    `json:"weight_decay"`    // λ, applied at y after the normalisation (default 0)
	WarmupSteps   int        `json:"warmup_steps"`    // linear warmup of γ over this many steps (default 0)
	R             float64    `json:"r"`               // polynomial weighting power r of the average (default 0)
	WeightLRPower float64    `json:"weight_lr_power"` // power p of max γ in the weights (default 2; Zero: unweighted)
}

// ScheduleFreeAdamW is Schedule-Free AdamW (Defazio, Yang, Mehta,
// Mishchenko, Khaled, Cutkosky 2024, "The Road Less Scheduled",
// arXiv:2405.15682), following the reference AdamWScheduleFree: the
// sequences of ScheduleFreeSGD with β = β₁ and an Adam-normalised gradient.
// Step t = k+1 is
//
//	γ   = lr · min(1, (k+1)/warmup_steps) · √(1 − β₂^(k+1))
//	γ_max ← max(γ_max, γ)                          (γ_max starts at −1)
//	w   = (k+1)^r · γ_max^p;   W ← W + w;   c = w/W (0 when W = 0)
//	v   ← β₂v + (1−β₂)g²
//	g   ← g / (√v + ε) + λy
//	y   ← y + c (z − y) + γ (β₁(1−c) − 1) g
//	z   ← z − γ g                                  (z starts as y)
//
// with Eval and Train switching the parameters between y and x as for
// ScheduleFreeSGD (using β₁). State: "z" and "exp_avg_sq" per parameter,
// and per group, as for ScheduleFreeSGD and in the reference, k, γ_max, W
// and the mode. The bias correction √(1 − β₂^(k+1)) uses the group's k, so
// a parameter that first gets a gradient late starts its exp_avg_sq from 0
// with the group's correction, as in the reference.
type ScheduleFreeAdamW struct {
	core[SFAdamWConfig]
	sf  sfGroups
	cur sfStep // the step of the group being updated
}

func init() {
	register("sfsgd", "SGDScheduleFree", func(p []*Param, c SFSGDConfig) (Optimizer, error) { return NewScheduleFreeSGD(p, c) })
	register("sfadamw", "AdamWScheduleFree", func(p []*Param, c SFAdamWConfig) (Optimizer, error) { return NewScheduleFreeAdamW(p, c) })
}

// NewScheduleFreeSGD returns Schedule-Free SGD over one group of params,
// in train mode (the parameters hold y).
func NewScheduleFreeSGD(params []*Param, cfg SFSGDConfig) (*ScheduleFreeSGD, error) {
	o := &ScheduleFreeSGD{}
	if err := o.setup("SGDScheduleFree", cfg, resolveSFSGD, o.update, params); err != nil {
		return nil, err
	}
	o.beginGroup = o.begin
	return o, nil
}

// NewScheduleFreeAdamW returns Schedule-Free AdamW over one group of
// params, in train mode (the parameters hold y).
func NewScheduleFreeAdamW(params []*Param, cfg SFAdamWConfig) (*ScheduleFreeAdamW, error) {
	o := &ScheduleFreeAdamW{}
	if err := o.setup("AdamWScheduleFree", cfg, resolveSFAdamW, o.update, params); err != nil {
		return nil, err
	}
	o.beginGroup = o.begin
	return o, nil
}

func resolveSFSGD(c *SFSGDConfig) error {
	c.LR = OrDefault(c.LR, 1.0)
	c.Momentum = OrDefault(c.Momentum, 0.9)
	c.WeightLRPower = OrDefault(c.WeightLRPower, 2)
	if err := checkNonNeg("learning rate", c.LR); err != nil {
		return err
	}
	if !(c.Momentum > 0 && c.Momentum < 1) {
		return fmt.Errorf("invalid momentum value: %v (must be between 0 and 1 exclusive)", c.Momentum)
	}
	if err := checkNonNeg("weight_decay value", c.WeightDecay); err != nil {
		return err
	}
	return checkSFCommon(c.WarmupSteps, c.R, c.WeightLRPower)
}

func resolveSFAdamW(c *SFAdamWConfig) error {
	c.LR = OrDefault(c.LR, 0.0025)
	c.Betas[0] = OrDefault(c.Betas[0], 0.9)
	c.Betas[1] = OrDefault(c.Betas[1], 0.999)
	c.Eps = OrDefault(c.Eps, 1e-8)
	c.WeightLRPower = OrDefault(c.WeightLRPower, 2)
	if err := checkNonNeg("learning rate", c.LR); err != nil {
		return err
	}
	if err := checkNonNeg("epsilon value", c.Eps); err != nil {
		return err
	}
	if !(c.Betas[0] > 0 && c.Betas[0] < 1) {
		// β₁ = 0 would make x unrecoverable from y and z (Eval divides by β₁).
		return fmt.Errorf("invalid beta parameter at index 0: %v (want 0 < beta1 < 1)", c.Betas[0])
	}
	if err := checkBeta(1, c.Betas[1]); err != nil {
		return err
	}
	if err := checkNonNeg("weight_decay value", c.WeightDecay); err != nil {
		return err
	}
	return checkSFCommon(c.WarmupSteps, c.R, c.WeightLRPower)
}

func checkSFCommon(warmup int, r, power float64) error {
	if warmup < 0 {
		return fmt.Errorf("invalid warmup_steps: %d", warmup)
	}
	if err := checkNonNeg("r", r); err != nil {
		return err
	}
	return checkNonNeg("weight_lr_power", power)
}

// errEvalMode is returned by a Schedule-Free step while the parameters hold
// x.
var errEvalMode = errors.New("not in train mode: the parameters hold the averaged point x; call Train() before stepping")

// sfGroup is one parameter group's Schedule-Free counters, which the
// reference keeps in its param_groups: the steps taken k, γ_max (−1
// before the first step), W, and whether the group's parameters hold x.
type sfGroup struct {
	k     int64
	lrMax float64
	wsum  float64
	eval  bool
}

// sfGroups holds the counters of every group, made as groups appear.
type sfGroups []sfGroup

// at returns group g's counters.
func (gs *sfGroups) at(g int) *sfGroup {
	for len(*gs) <= g {
		*gs = append(*gs, sfGroup{lrMax: -1})
	}
	return &(*gs)[g]
}

// training reports whether no group holds x.
func (gs sfGroups) training() bool {
	for _, g := range gs {
		if g.eval {
			return false
		}
	}
	return true
}

// advance takes the group's step at learning rate lr (already warmed up):
// it updates γ_max, W and k and returns c_{t+1} (0 while W is 0).
func (g *sfGroup) advance(lr, r, power float64) float64 {
	g.lrMax = max(lr, g.lrMax)
	w := math.Pow(float64(g.k+1), r) * math.Pow(g.lrMax, power)
	g.wsum += w
	g.k++
	if g.wsum == 0 {
		return 0
	}
	return w / g.wsum
}

// sfWarmup is the warmup factor for step k+1.
func sfWarmup(k int64, warmup int) float64 {
	if k < int64(warmup) {
		return float64(k+1) / float64(warmup)
	}
	return 1
}

// begin advances group g's counters and sets the step its parameters take.
func (o *ScheduleFreeSGD) begin(g int) {
	c := &o.groups[g].Config
	gr := o.sf.at(g)
	lr := c.LR * sfWarmup(gr.k, c.WarmupSteps)
	ckp1 := gr.advance(lr, c.R, c.WeightLRPower)
	o.cur = sfStep{lr: lr, ckp1: ckp1, yCoef: lr * (c.Momentum*(1-ckp1) - 1), wd: c.WeightDecay}
}

func (o *ScheduleFreeSGD) update(_ *SFSGDConfig, p *Param, s *State) error {
	if p.Sparse != nil {
		return errSparse
	}
	if p.F32 != nil {
		sfParam(&o.cur, s, false, p.F32, p.G32)
	} else {
		sfParam(&o.cur, s, false, p.F64, p.G64)
	}
	return nil
}

// begin advances group g's counters and sets the step its parameters take.
func (o *ScheduleFreeAdamW) begin(g int) {
	c := &o.groups[g].Config
	gr := o.sf.at(g)
	k := gr.k
	lr := c.LR * sfWarmup(k, c.WarmupSteps) * math.Sqrt(1-math.Pow(c.Betas[1], float64(k+1)))
	ckp1 := gr.advance(lr, c.R, c.WeightLRPower)
	o.cur = sfStep{lr: lr, ckp1: ckp1, yCoef: lr * (c.Betas[0]*(1-ckp1) - 1), wd: c.WeightDecay,
		beta2: c.Betas[1], eps: c.Eps}
}

func (o *ScheduleFreeAdamW) update(_ *SFAdamWConfig, p *Param, s *State) error {
	if p.Sparse != nil {
		return errSparse
	}
	if p.F32 != nil {
		sfParam(&o.cur, s, true, p.F32, p.G32)
	} else {
		sfParam(&o.cur, s, true, p.F64, p.G64)
	}
	return nil
}

// sfStep is one Schedule-Free step's scalars.
type sfStep struct {
	lr, ckp1, yCoef, wd float64
	beta2, eps          float64 // AdamW only
}

func sfParam[T Float](h *sfStep, s *State, adam bool, y, g []T) {
	fresh := s.Buf("z") == nil
	z := buf[T](s, "z", len(y), 0)
	if fresh {
		copy(z, y)
	}
	var v []T
	if adam {
		v = buf[T](s, "exp_avg_sq", len(y), 0)
	}
	parallel.For(len(y), grain, func(lo, hi int) {
		var vc []T
		if adam {
			vc = v[lo:hi]
		}
		sfKernel(h, y[lo:hi], g[lo:hi], z[lo:hi], vc)
	})
}

func sfKernel[T Float](h *sfStep, y, g, z, v []T) {
	lr, ckp1, yc, wd := T(h.lr), T(h.ckp1), T(h.yCoef), T(h.wd)
	b2, c2, eps := T(h.beta2), T(1-h.beta2), T(h.eps)
	g, z = g[:len(y)], z[:len(y)]
	for i := range y {
		gi, yi := g[i], y[i]
		if v != nil {
			vi := v[i]*b2 + c2*(gi*gi)
			v[i] = vi
			gi /= T(math.Sqrt(float64(vi))) + eps
		}
		if wd != 0 {
			gi += wd * yi
		}
		zi := z[i]
		yi = torchLerp(yi, zi, ckp1)
		y[i] = yi + yc*gi
		z[i] = zi - lr*gi
	}
}

// torchLerp is PyTorch's lerp: a + w(b − a), computed from the nearer end.
func torchLerp[T Float](a, b, w T) T {
	if w < 0.5 && w > -0.5 {
		return a + w*(b-a)
	}
	return b - (b-a)*(1-w)
}

// sfSwitch moves every group of o between y (train) and x (eval): toEval
// replaces y by x = lerp(y, z, 1 − 1/β), otherwise x by y = lerp(x, z,
// 1 − β). Groups already in the wanted mode are left alone, and so are
// parameters that have not stepped yet (y = x = z for them).
func sfSwitch[C any](o *core[C], gs *sfGroups, toEval bool, beta func(*C) float64) {
	for gi := range o.groups {
		gr := gs.at(gi)
		if gr.eval == toEval {
			continue
		}
		g := &o.groups[gi]
		b := beta(&g.Config)
		w := 1 - b
		if toEval {
			w = 1 - 1/b
		}
		for _, p := range g.Params {
			s := o.state[p]
			if s == nil {
				continue
			}
			if p.F32 != nil {
				sfLerpTo(s, p.F32, float32(w))
			} else {
				sfLerpTo(s, p.F64, w)
			}
		}
		gr.eval = toEval
	}
}

func sfLerpTo[T Float](s *State, x []T, w T) {
	z, ok := s.Buf("z").([]T)
	if !ok || len(z) != len(x) {
		return // no step yet: x = y = z
	}
	parallel.For(len(x), grain, func(lo, hi int) {
		xs, zs := x[lo:hi], z[lo:hi]
		for i := range xs {
			xs[i] = torchLerp(xs[i], zs[i], w)
		}
	})
}

// sfStepChecked refuses a step in eval mode or with a sparse gradient
// before touching anything, then steps.
func sfStepChecked[C any](o *core[C], gs sfGroups) error {
	if !gs.training() {
		return fmt.Errorf("%s: %w", o.name, errEvalMode)
	}
	for _, g := range o.groups {
		for _, p := range g.Params {
			if p.Sparse != nil {
				return fmt.Errorf("%s: parameter %q: %w", o.name, p.Name, errSparse)
			}
		}
	}
	return o.Step()
}

// sfSaved is a group's counters as StateDict saves them, beside the
// group's hyperparameters, under the reference's param_groups names.
type sfSaved struct {
	K         *int64   `json:"k"`
	WeightSum *floatJS `json:"weight_sum"`
	LRMax     *floatJS `json:"lr_max"`
	TrainMode *bool    `json:"train_mode"`
}

// sfStateDict is o's state dict with each group's counters added to the
// group's saved hyperparameters.
func sfStateDict[C any](o *core[C], gs *sfGroups) *StateDict {
	sd := o.StateDict()
	for gi := range sd.Groups {
		gr := gs.at(gi)
		k, ws, lm, train := gr.k, floatJS(gr.wsum), floatJS(gr.lrMax), !gr.eval
		counters, err := json.Marshal(sfSaved{&k, &ws, &lm, &train})
		if err != nil {
			panic(fmt.Sprintf("optim: %s counters do not encode: %v", o.name, err))
		}
		// The hyperparameters are a JSON object: the counters join it.
		h := bytes.TrimSpace(sd.Groups[gi].Hyper)
		if len(h) <= 2 {
			sd.Groups[gi].Hyper = counters
			continue
		}
		sd.Groups[gi].Hyper = append(append(slices.Clip(h[:len(h)-1]), ','), counters[1:]...)
	}
	return sd
}

// sfLegacyScalars are the per-parameter counters of state saved before
// they were per group.
var sfLegacyScalars = []string{"lr_max", "weight_sum", "eval_mode"}

// sfLoadStateDict loads sd into o and its group counters into gs, all or
// nothing. State without group counters is read in the older,
// per-parameter form.
func sfLoadStateDict[C any](o *core[C], gs *sfGroups, sd *StateDict) error {
	if sd.Optimizer != o.name || len(sd.Groups) != len(o.groups) {
		return o.LoadStateDict(sd) // which reports the mismatch
	}
	loaded := make(sfGroups, len(sd.Groups))
	legacy := false
	for gi, g := range sd.Groups {
		var sv sfSaved
		if err := json.Unmarshal(g.Hyper, &sv); err != nil {
			return fmt.Errorf("load state: group %d hyperparameters: %w", gi, err)
		}
		if sv.K == nil && sv.WeightSum == nil && sv.LRMax == nil && sv.TrainMode == nil {
			gr, err := sfLegacyGroup(sd, g.Params)
			if err != nil {
				return fmt.Errorf("load state: %s group %d: %w", o.name, gi, err)
			}
			loaded[gi], legacy = gr, true
			continue
		}
		if sv.K == nil || sv.WeightSum == nil || sv.LRMax == nil || sv.TrainMode == nil || *sv.K < 0 {
			return fmt.Errorf("load state: %s group %d: incomplete counters %s (want k >= 0, weight_sum, lr_max and train_mode)", o.name, gi, g.Hyper)
		}
		loaded[gi] = sfGroup{k: *sv.K, wsum: float64(*sv.WeightSum), lrMax: float64(*sv.LRMax), eval: !*sv.TrainMode}
	}
	if err := o.LoadStateDict(sd); err != nil {
		return err
	}
	if legacy {
		for _, s := range o.state {
			s.Step = 0
			for _, k := range sfLegacyScalars {
				delete(s.Scalars, k)
			}
			if len(s.Scalars) == 0 {
				s.Scalars = nil
			}
		}
	}
	*gs = loaded
	return nil
}

// sfLegacyGroup recovers a group's counters from state saved when each
// parameter (of indices params) kept its own: every parameter that had
// stepped must agree on them, and every parameter with state on the mode.
func sfLegacyGroup(sd *StateDict, params []int) (sfGroup, error) {
	gr := sfGroup{lrMax: -1}
	from, mode := -1, -1
	for _, i := range params {
		s := sd.State[i]
		if s == nil {
			continue
		}
		eval := s.Scalar("eval_mode") != 0
		switch {
		case mode < 0:
			mode, gr.eval = i, eval
		case eval != gr.eval:
			return gr, fmt.Errorf("saved with per-parameter counters, and parameters %d and %d are in different modes (train and eval)", mode, i)
		}
		if s.Step == 0 {
			continue // state made by Eval before a first step
		}
		k, lrMax, wsum := s.Step, s.Scalar("lr_max"), s.Scalar("weight_sum")
		if from < 0 {
			from, gr.k, gr.lrMax, gr.wsum = i, k, lrMax, wsum
			continue
		}
		if k != gr.k || math.Float64bits(lrMax) != math.Float64bits(gr.lrMax) || math.Float64bits(wsum) != math.Float64bits(gr.wsum) {
			return gr, fmt.Errorf("saved with per-parameter counters that disagree (parameter %d: step %d, weight_sum %v; parameter %d: step %d, weight_sum %v); "+
				"the counters are per group now, as in the reference, so this state cannot be resumed exactly: start from a fresh optimizer",
				from, gr.k, gr.wsum, i, k, wsum)
		}
	}
	return gr, nil
}

// Eval switches the parameters to the averaged point x, the one to
// evaluate, checkpoint or ship (the reference's optimizer.eval()). It does
// nothing in eval mode.
func (o *ScheduleFreeSGD) Eval() { sfSwitch(&o.core, &o.sf, true, sfSGDBeta) }

// Train switches the parameters back to y, where gradients are taken (the
// reference's optimizer.train()). It does nothing in train mode.
func (o *ScheduleFreeSGD) Train() { sfSwitch(&o.core, &o.sf, false, sfSGDBeta) }

// Training reports whether the optimizer is in train mode (the parameters
// hold y).
func (o *ScheduleFreeSGD) Training() bool { return o.sf.training() }

// Step applies one update; it is refused in eval mode.
func (o *ScheduleFreeSGD) Step() error { return sfStepChecked(&o.core, o.sf) }

// StateDict returns a deep copy of the optimizer's state, with each group's
// counters among its saved hyperparameters.
func (o *ScheduleFreeSGD) StateDict() *StateDict { return sfStateDict(&o.core, &o.sf) }

// LoadStateDict replaces the optimizer's state by a copy of sd's (saved by
// StateDict, or by descent's older per-parameter form); on error nothing
// changes.
func (o *ScheduleFreeSGD) LoadStateDict(sd *StateDict) error {
	return sfLoadStateDict(&o.core, &o.sf, sd)
}

// StepClosure evaluates closure once, then steps; it returns the loss.
func (o *ScheduleFreeSGD) StepClosure(closure Closure) (float64, error) {
	return stepWithClosure(o.Step, closure)
}

// Eval switches the parameters to the averaged point x, the one to
// evaluate, checkpoint or ship (the reference's optimizer.eval()). It does
// nothing in eval mode.
func (o *ScheduleFreeAdamW) Eval() { sfSwitch(&o.core, &o.sf, true, sfAdamWBeta) }

// Train switches the parameters back to y, where gradients are taken (the
// reference's optimizer.train()). It does nothing in train mode.
func (o *ScheduleFreeAdamW) Train() { sfSwitch(&o.core, &o.sf, false, sfAdamWBeta) }

// Training reports whether the optimizer is in train mode (the parameters
// hold y).
func (o *ScheduleFreeAdamW) Training() bool { return o.sf.training() }

// Step applies one update; it is refused in eval mode.
func (o *ScheduleFreeAdamW) Step() error { return sfStepChecked(&o.core, o.sf) }

// StateDict returns a deep copy of the optimizer's state, with each group's
// counters among its saved hyperparameters.
func (o *ScheduleFreeAdamW) StateDict() *StateDict { return sfStateDict(&o.core, &o.sf) }

// LoadStateDict replaces the optimizer's state by a copy of sd's (saved by
// StateDict, or by descent's older per-parameter form); on error nothing
// changes.
func (o *ScheduleFreeAdamW) LoadStateDict(sd *StateDict) error {
	return sfLoadStateDict(&o.core, &o.sf, sd)
}

// StepClosure evaluates closure once, then steps; it returns the loss.
func (o *ScheduleFreeAdamW) StepClosure(closure Closure) (float64, error) {
	return stepWithClosure(o.Step, closure)
}

func sfSGDBeta(c *SFSGDConfig) float64     { return c.Momentum }
func sfAdamWBeta(c *SFAdamWConfig) float64 { return c.Betas[0] }
