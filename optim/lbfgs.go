package optim

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/descent-ml/descent/internal/parallel"
)

// LBFGSConfig holds L-BFGS's hyperparameters; the zero value is PyTorch's
// default (lr 1, max_iter 20, max_eval max_iter*5/4, tolerance_grad 1e-7,
// tolerance_change 1e-9, history_size 100, no line search).
type LBFGSConfig struct {
	LR              float64 `json:"lr"`               // learning rate γ: the step length tried first (default 1)
	MaxIter         int     `json:"max_iter"`         // iterations per step (default 20)
	MaxEval         int     `json:"max_eval"`         // closure evaluations per step (default max_iter*5/4, rounded down)
	ToleranceGrad   float64 `json:"tolerance_grad"`   // stop when max|g| <= this (default 1e-7)
	ToleranceChange float64 `json:"tolerance_change"` // stop when the step or the loss change is below this (default 1e-9)
	HistorySize     int     `json:"history_size"`     // curvature pairs kept (default 100)
	LineSearchFn    string  `json:"line_search_fn"`   // "" (fixed step) or "strong_wolfe"
}

// LBFGS is limited-memory BFGS exactly as PyTorch 1.13's torch.optim.LBFGS
// (after minFunc; Nocedal & Wright, Numerical Optimization, algorithms 7.4
// and 3.5–3.6). It treats every parameter of its single group as one flat
// vector x with gradient g, and each StepClosure runs up to max_iter
// iterations, calling the closure to re-evaluate f and g:
//
//	f, g ← closure()                               (the loss returned)
//	stop if max|g| ≤ tolerance_grad
//	repeat, k counting the iterations of all steps:
//	  if k = 1: d ← −g, H ← 1, history cleared
//	  else:     y ← g − g_prev, s ← t·d
//	            if y·s > 1e-10: push (y, s, ρ = 1/(y·s)), dropping the oldest
//	                            beyond history_size; H ← y·s / y·y
//	            q ← −g; for i newest→oldest: αᵢ ← ρᵢ sᵢ·q, q ← q − αᵢyᵢ
//	            d ← H·q; for i oldest→newest: βᵢ ← ρᵢ yᵢ·d, d ← d + (αᵢ−βᵢ)sᵢ
//	  g_prev ← g, f_prev ← f
//	  t ← min(1, 1/Σ|g|)·γ if k = 1, else γ
//	  stop if g·d > −tolerance_change
//	  fixed step:   x ← x + t·d; unless this is the last iteration,
//	                f, g ← closure()
//	  strong_wolfe: t, f, g ← the strong Wolfe line search along d from t
//	                (c₁ 1e-4, c₂ 0.9, at most 25 evaluations: bracketing
//	                with safeguarded cubic interpolation, then zoom);
//	                x ← x + t·d
//	  stop after max_iter iterations or max_eval evaluations, or when
//	  max|g| ≤ tolerance_grad, max|t·d| ≤ tolerance_change or
//	  |f − f_prev| < tolerance_change.
//
// PyTorch allows a single parameter group; so does LBFGS (AddGroup
// refuses a second). Step returns ErrNeedsClosure.
//
// State. PyTorch keeps L-BFGS's state on the first parameter; here the
// first parameter's State holds the scalars func_evals, n_iter, t, H_diag,
// prev_loss and the history's ρ as "ro/0", "ro/1", ... (oldest first), and
// every parameter's State holds its own slice of the flat vectors, in its
// dtype: "d", "prev_flat_grad", "old_dirs/K" (the y's) and "old_stps/K"
// (the s's). StateDict and LoadStateDict thus resume bit-identically.
// (PyTorch's "al" is scratch, rewritten before it is read, and is not
// kept.)
//
// Precision. For float64 parameters everything is float64, as PyTorch,
// with the updates x + c·v fused (one rounding) as PyTorch's add_(v,
// alpha=c) does: on Rosenbrock the trajectories match PyTorch's bit for bit.
// For float32 parameters the vectors are float32 and element-wise updates
// are done in float32, as PyTorch; dot products, norms and the scalars (t,
// ρ, H, α, β, the line search) are computed in float64, where PyTorch rounds
// them to float32, so float32 runs agree with PyTorch to float32 precision,
// not bitwise.
//
// Non-finite gradients (NonFiniteReject, NonFiniteSkip): every evaluation's
// gradient is checked before it is used. At the step's first evaluation the
// step is refused (or skipped) with the parameters and state unchanged.
// Later, the iteration in progress is abandoned: the parameters go back to
// where that iteration started (the last iterate with a finite gradient),
// its step length is recorded as 0 so that no curvature pair is built from
// it, the iteration is not counted in n_iter, and the step ends (with a
// *NonFiniteError under NonFiniteReject). A closure error is handled the
// same way and returned. (PyTorch does not check.)
type LBFGS struct {
	core[LBFGSConfig]
	work lbfgsWork
}

// lbfgsWork is scratch memory reused across steps; nothing in it is read
// before it is written within a step, so it is not state.
type lbfgsWork struct {
	pool  []*lbfgsVec // gradient vectors: evaluations and line-search brackets
	y, s  *lbfgsVec   // the next curvature pair, before it joins the history
	xInit *lbfgsVec   // the parameters at the start of an iteration
	al    []float64
}

func init() {
	register("lbfgs", "LBFGS", func(p []*Param, c LBFGSConfig) (Optimizer, error) { return NewLBFGS(p, c) })
}

// NewLBFGS returns L-BFGS over one group of params.
func NewLBFGS(params []*Param, cfg LBFGSConfig) (*LBFGS, error) {
	o := &LBFGS{}
	if err := o.init("LBFGS", cfg, resolveLBFGS, func(*LBFGSConfig, *Param, *State) error { return ErrNeedsClosure }); err != nil {
		return nil, err
	}
	if len(params) == 0 {
		return nil, errors.New("LBFGS: empty parameter list")
	}
	if err := o.core.AddGroup(o.defaults, params...); err != nil {
		return nil, err
	}
	return o, nil
}

const lbfgsStrongWolfe = "strong_wolfe"

func resolveLBFGS(c *LBFGSConfig) error {
	c.LR = OrDefault(c.LR, 1)
	if c.MaxIter == 0 {
		c.MaxIter = 20
	}
	if c.MaxEval == 0 {
		c.MaxEval = c.MaxIter * 5 / 4
	}
	c.ToleranceGrad = OrDefault(c.ToleranceGrad, 1e-7)
	c.ToleranceChange = OrDefault(c.ToleranceChange, 1e-9)
	if c.HistorySize == 0 {
		c.HistorySize = 100
	}
	if strings.EqualFold(c.LineSearchFn, "none") {
		c.LineSearchFn = ""
	}
	if err := checkNonNeg("learning rate", c.LR); err != nil {
		return err
	}
	if c.MaxIter < 0 {
		return fmt.Errorf("invalid max_iter: %d (want > 0)", c.MaxIter)
	}
	if c.MaxEval < 0 {
		return fmt.Errorf("invalid max_eval: %d (want > 0)", c.MaxEval)
	}
	if err := checkNonNeg("tolerance_grad", c.ToleranceGrad); err != nil {
		return err
	}
	if err := checkNonNeg("tolerance_change", c.ToleranceChange); err != nil {
		return err
	}
	if c.HistorySize < 0 {
		return fmt.Errorf("invalid history_size: %d (want > 0)", c.HistorySize)
	}
	if c.LineSearchFn != "" && c.LineSearchFn != lbfgsStrongWolfe {
		return fmt.Errorf("invalid line_search_fn: %q (only %q or none is supported)", c.LineSearchFn, lbfgsStrongWolfe)
	}
	return nil
}

// AddGroup refuses: L-BFGS, as PyTorch's, has a single parameter group.
func (o *LBFGS) AddGroup(cfg LBFGSConfig, params ...*Param) error {
	if len(o.groups) > 0 {
		return errors.New("LBFGS: doesn't support per-parameter options (parameter groups): it has a single group")
	}
	return o.core.AddGroup(cfg, params...)
}

// Step returns ErrNeedsClosure: L-BFGS must re-evaluate the model.
func (o *LBFGS) Step() error { return ErrNeedsClosure }

// errLBFGSSkipped marks an evaluation whose gradient NonFiniteSkip skipped.
var errLBFGSSkipped = errors.New("skipped")

// checkGrads applies the non-finite policy to the gradients the closure
// just computed.
func (o *LBFGS) checkGrads() error {
	ok, err := o.gradsOK()
	if ok {
		return nil
	}
	if err == nil {
		return errLBFGSSkipped
	}
	return err
}

// StepClosure runs one L-BFGS step (up to max_iter iterations), calling
// closure to re-evaluate the loss and gradients, and returns the loss of the
// first evaluation, as PyTorch's LBFGS.step(closure).
func (o *LBFGS) StepClosure(closure Closure) (float64, error) {
	if closure == nil {
		return 0, ErrNeedsClosure
	}
	cfg := o.groups[0].Config
	params := o.groups[0].Params

	origLoss, err := closure()
	if err != nil {
		return origLoss, fmt.Errorf("LBFGS: closure: %w", err)
	}
	if err := o.checkGrads(); err != nil {
		if err == errLBFGSSkipped {
			err = nil
		}
		return origLoss, err
	}
	g := o.freshVec()
	if err := g.gather(params); err != nil {
		return origLoss, fmt.Errorf("LBFGS: %w", err)
	}

	states := make([]*State, len(params))
	for i, p := range params {
		states[i] = o.stateOf(p)
	}
	st0 := states[0]
	funcEvals := st0.Scalar("func_evals") + 1
	st0.SetScalar("func_evals", funcEvals)
	if g.absMax() <= cfg.ToleranceGrad {
		return origLoss, nil
	}

	stateIter := st0.Scalar("n_iter")
	t := st0.Scalar("t")
	hDiag := st0.Scalar("H_diag")
	prevLoss := st0.Scalar("prev_loss")
	fresh := stateIter == 0
	d, err := lbfgsStateVec(states, params, "d", fresh)
	if err != nil {
		return origLoss, err
	}
	prev, err := lbfgsStateVec(states, params, "prev_flat_grad", fresh)
	if err != nil {
		return origLoss, err
	}
	dirs, stps, ro, err := lbfgsLoadHistory(states, params)
	if err != nil {
		return origLoss, err
	}
	savedLen := len(ro)

	save := func() {
		st0.SetScalar("func_evals", funcEvals)
		st0.SetScalar("n_iter", stateIter)
		st0.SetScalar("t", t)
		st0.SetScalar("H_diag", hDiag)
		st0.SetScalar("prev_loss", prevLoss)
		lbfgsSaveHistory(states, dirs, stps, ro, savedLen)
	}

	x := lbfgsParamVec(params)
	if o.work.xInit == nil {
		o.work.xInit = newLBFGSVec(params)
	}
	xInit := o.work.xInit
	loss := origLoss
	currentEvals := 1
	nIter := 0

	// abort abandons the iteration in progress (see the type's doc).
	abort := func(cause error) (float64, error) {
		x.apply(lbCopy, 0, xInit, nil)
		stateIter--
		t = 0
		save()
		if cause == errLBFGSSkipped {
			return origLoss, nil
		}
		return origLoss, fmt.Errorf("LBFGS: iteration %d of the step abandoned, parameters left at the iterate before it: %w", nIter, cause)
	}

	for nIter < cfg.MaxIter {
		nIter++
		stateIter++

		// Direction.
		if stateIter == 1 {
			d.apply(lbNeg, 0, g, nil)
			dirs, stps, ro = dirs[:0], stps[:0], ro[:0]
			hDiag = 1
		} else {
			y, s := o.workVec(&o.work.y), o.workVec(&o.work.s)
			y.apply(lbSub, 0, g, prev)
			s.apply(lbScale, t, d, nil)
			ys := y.dot(s)
			if ys > 1e-10 {
				var ry, rs *lbfgsVec
				for len(dirs) > 0 && len(dirs) >= cfg.HistorySize {
					ry, rs = dirs[0], stps[0]
					dirs = append(dirs[:0], dirs[1:]...)
					stps = append(stps[:0], stps[1:]...)
					ro = append(ro[:0], ro[1:]...)
				}
				dirs = append(dirs, y)
				stps = append(stps, s)
				ro = append(ro, 1/ys)
				hDiag = ys / y.dot(y)
				o.work.y, o.work.s = ry, rs
			}
			m := len(dirs)
			if cap(o.work.al) < m {
				o.work.al = make([]float64, m)
			}
			al := o.work.al[:m]
			d.apply(lbNeg, 0, g, nil)
			for i := m - 1; i >= 0; i-- {
				al[i] = stps[i].dot(d) * ro[i]
				d.apply(lbAxpy, -al[i], dirs[i], nil)
			}
			d.apply(lbScale, hDiag, d, nil)
			for i := range m {
				be := dirs[i].dot(d) * ro[i]
				d.apply(lbAxpy, al[i]-be, stps[i], nil)
			}
		}
		prev.apply(lbCopy, 0, g, nil)
		prevLoss = loss

		// Step length.
		if stateIter == 1 {
			t = pyMin(1, 1/g.absSum()) * cfg.LR
		} else {
			t = cfg.LR
		}
		gtd := g.dot(d)
		if gtd > -cfg.ToleranceChange {
			break
		}

		xInit.apply(lbCopy, 0, x, nil)
		lsEvals := 0
		optCond := false
		if cfg.LineSearchFn == lbfgsStrongWolfe {
			eval := func(tt float64, live ...*lbfgsVec) (float64, *lbfgsVec, error) {
				return o.evalAt(closure, params, x, xInit, tt, d, live)
			}
			var gNew *lbfgsVec
			var err error
			loss, gNew, t, lsEvals, err = lbfgsStrongWolfeSearch(eval, t, d, loss, g, gtd, 1e-4, 0.9, cfg.ToleranceChange, 25)
			funcEvals += float64(lsEvals)
			if err != nil {
				return abort(err)
			}
			g = gNew
			x.apply(lbAxpy, t, d, nil)
			optCond = g.absMax() <= cfg.ToleranceGrad
		} else {
			x.apply(lbAxpy, t, d, nil)
			if nIter != cfg.MaxIter {
				var err error
				loss, err = closure()
				funcEvals++
				if err != nil {
					return abort(fmt.Errorf("closure: %w", err))
				}
				if err := o.checkGrads(); err != nil {
					return abort(err)
				}
				if err := g.gather(params); err != nil {
					return abort(err)
				}
				optCond = g.absMax() <= cfg.ToleranceGrad
				lsEvals = 1
			}
		}
		currentEvals += lsEvals

		// Stopping tests.
		if nIter == cfg.MaxIter || currentEvals >= cfg.MaxEval || optCond {
			break
		}
		if d.scaledAbsMax(t) <= cfg.ToleranceChange {
			break
		}
		if math.Abs(loss-prevLoss) < cfg.ToleranceChange {
			break
		}
	}
	save()
	return origLoss, nil
}

// evalAt evaluates the closure at x = xInit + t·d and returns the loss and
// a gradient vector not among live; the parameters are back at xInit
// afterwards.
func (o *LBFGS) evalAt(closure Closure, params []*Param, x, xInit *lbfgsVec, t float64, d *lbfgsVec, live []*lbfgsVec) (float64, *lbfgsVec, error) {
	x.apply(lbAxpy, t, d, nil)
	loss, err := closure()
	if err != nil {
		x.apply(lbCopy, 0, xInit, nil)
		return loss, nil, fmt.Errorf("closure: %w", err)
	}
	if err := o.checkGrads(); err != nil {
		x.apply(lbCopy, 0, xInit, nil)
		return loss, nil, err
	}
	g := o.freshVec(live...)
	err = g.gather(params)
	x.apply(lbCopy, 0, xInit, nil)
	return loss, g, err
}

// freshVec returns a pooled gradient vector that is none of live.
func (o *LBFGS) freshVec(live ...*lbfgsVec) *lbfgsVec {
next:
	for _, v := range o.work.pool {
		for _, l := range live {
			if v == l {
				continue next
			}
		}
		return v
	}
	v := newLBFGSVec(o.groups[0].Params)
	o.work.pool = append(o.work.pool, v)
	return v
}

// workVec returns *slot, allocating it first if needed.
func (o *LBFGS) workVec(slot **lbfgsVec) *lbfgsVec {
	if *slot == nil {
		*slot = newLBFGSVec(o.groups[0].Params)
	}
	return *slot
}

// lbfgsStrongWolfe is the strong Wolfe line search of PyTorch's LBFGS
// (after minFunc's lswolfe): from step t along d, with f, g and gtd = g·d at
// t = 0, it brackets a step satisfying
//
//	f(t) ≤ f + c₁·t·gtd  and  |g(t)·d| ≤ −c₂·gtd
//
// by safeguarded cubic extrapolation, then zooms into the bracket by cubic
// interpolation, moving trial points that fall too near an end 10% of the
// bracket inwards. It gives up after maxLS evaluations or when the bracket
// is shorter than tolChange / max|d|, returning the lowest point found.
func lbfgsStrongWolfeSearch(eval func(t float64, live ...*lbfgsVec) (float64, *lbfgsVec, error),
	t float64, d *lbfgsVec, f float64, g *lbfgsVec, gtd, c1, c2, tolChange float64, maxLS int,
) (fOut float64, gOut *lbfgsVec, tOut float64, evals int, err error) {
	dNorm := d.absMax()
	fNew, gNew, err := eval(t, g)
	evals = 1
	if err != nil {
		return f, g, t, evals, err
	}
	gtdNew := gNew.dot(d)

	tPrev, fPrev, gPrev, gtdPrev := 0.0, f, g, gtd
	var (
		bracket, bf, bgtd [2]float64
		bg                [2]*lbfgsVec
		n                 int // entries in the bracket (1 when done at once)
	)
	done := false
	lsIter := 0
	for lsIter < maxLS {
		if fNew > f+float64(c1*t*gtd) || (lsIter > 1 && fNew >= fPrev) {
			bracket, bf, bg, bgtd, n = [2]float64{tPrev, t}, [2]float64{fPrev, fNew}, [2]*lbfgsVec{gPrev, gNew}, [2]float64{gtdPrev, gtdNew}, 2
			break
		}
		if math.Abs(gtdNew) <= -c2*gtd {
			bracket[0], bf[0], bg[0], n = t, fNew, gNew, 1
			done = true
			break
		}
		if gtdNew >= 0 {
			bracket, bf, bg, bgtd, n = [2]float64{tPrev, t}, [2]float64{fPrev, fNew}, [2]*lbfgsVec{gPrev, gNew}, [2]float64{gtdPrev, gtdNew}, 2
			break
		}
		// Extrapolate.
		minStep := t + float64(0.01*(t-tPrev))
		maxStep := t * 10
		tmp := t
		t = lbfgsCubic(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, &[2]float64{minStep, maxStep})
		tPrev, fPrev, gPrev, gtdPrev = tmp, fNew, gNew, gtdNew
		fNew, gNew, err = eval(t, g, gPrev)
		evals++
		if err != nil {
			return f, g, t, evals, err
		}
		gtdNew = gNew.dot(d)
		lsIter++
	}
	if lsIter == maxLS {
		bracket, bf, bg, n = [2]float64{0, t}, [2]float64{f, fNew}, [2]*lbfgsVec{g, gNew}, 2
	}

	// Zoom.
	insufProgress := false
	low, high := 0, 1
	if !(bf[0] <= bf[n-1]) {
		low, high = 1, 0
	}
	for !done && lsIter < maxLS {
		if math.Abs(bracket[1]-bracket[0])*dNorm < tolChange {
			break
		}
		t = lbfgsCubic(bracket[0], bf[0], bgtd[0], bracket[1], bf[1], bgtd[1], nil)

		bMax, bMin := pyMax(bracket[0], bracket[1]), pyMin(bracket[0], bracket[1])
		eps := 0.1 * (bMax - bMin)
		if pyMin(bMax-t, t-bMin) < eps {
			if insufProgress || t >= bMax || t <= bMin {
				if math.Abs(t-bMax) < math.Abs(t-bMin) {
					t = bMax - eps
				} else {
					t = bMin + eps
				}
				insufProgress = false
			} else {
				insufProgress = true
			}
		} else {
			insufProgress = false
		}

		fNew, gNew, err = eval(t, g, bg[0], bg[1])
		evals++
		if err != nil {
			return f, g, t, evals, err
		}
		gtdNew = gNew.dot(d)
		lsIter++

		if fNew > f+float64(c1*t*gtd) || fNew >= bf[low] {
			bracket[high], bf[high], bg[high], bgtd[high] = t, fNew, gNew, gtdNew
			if bf[0] <= bf[1] {
				low, high = 0, 1
			} else {
				low, high = 1, 0
			}
		} else {
			if math.Abs(gtdNew) <= -c2*gtd {
				done = true
			} else if gtdNew*(bracket[high]-bracket[low]) >= 0 {
				bracket[high], bf[high], bg[high], bgtd[high] = bracket[low], bf[low], bg[low], bgtd[low]
			}
			bracket[low], bf[low], bg[low], bgtd[low] = t, fNew, gNew, gtdNew
		}
	}
	return bf[low], bg[low], bracket[low], evals, nil
}

// lbfgsCubic is the minimiser of the cubic through (x1, f1) and (x2, f2)
// with slopes g1 and g2, clamped to bounds (default: between x1 and x2);
// the middle of the bounds when the cubic has no minimiser.
func lbfgsCubic(x1, f1, g1, x2, f2, g2 float64, bounds *[2]float64) float64 {
	var lo, hi float64
	switch {
	case bounds != nil:
		lo, hi = bounds[0], bounds[1]
	case x1 <= x2:
		lo, hi = x1, x2
	default:
		lo, hi = x2, x1
	}
	// Conversions keep each product rounded (no fused multiply-add).
	d1 := g1 + g2 - 3*(f1-f2)/(x1-x2)
	d2sq := float64(d1*d1) - float64(g1*g2)
	if d2sq >= 0 {
		d2 := math.Sqrt(d2sq)
		var minPos float64
		if x1 <= x2 {
			minPos = x2 - float64((x2-x1)*((g2+d2-d1)/(g2-g1+float64(2*d2))))
		} else {
			minPos = x1 - float64((x1-x2)*((g1+d2-d1)/(g1-g2+float64(2*d2))))
		}
		return pyMin(pyMax(minPos, lo), hi)
	}
	return (lo + hi) / 2
}

// pyMax and pyMin are Python's max(a, b) and min(a, b): the first argument
// unless the second compares strictly greater (smaller).
func pyMax(a, b float64) float64 {
	if b > a {
		return b
	}
	return a
}

func pyMin(a, b float64) float64 {
	if b < a {
		return b
	}
	return a
}

// History and state layout.

func lbfgsName(list string, k int) string { return list + "/" + strconv.Itoa(k) }

// lbfgsLoadHistory reads the curvature pairs from the states.
func lbfgsLoadHistory(states []*State, params []*Param) (dirs, stps []*lbfgsVec, ro []float64, err error) {
	st0 := states[0]
	for k := 0; ; k++ {
		r, ok := st0.Scalars[lbfgsName("ro", k)]
		if !ok {
			break
		}
		y, err := lbfgsStateVec(states, params, lbfgsName("old_dirs", k), false)
		if err != nil {
			return nil, nil, nil, err
		}
		s, err := lbfgsStateVec(states, params, lbfgsName("old_stps", k), false)
		if err != nil {
			return nil, nil, nil, err
		}
		dirs, stps, ro = append(dirs, y), append(stps, s), append(ro, r)
	}
	return dirs, stps, ro, nil
}

// lbfgsSaveHistory stores the curvature pairs in the states, oldest first,
// deleting entries beyond them up to had.
func lbfgsSaveHistory(states []*State, dirs, stps []*lbfgsVec, ro []float64, had int) {
	st0 := states[0]
	for k := range ro {
		for i, s := range states {
			s.SetBuf(lbfgsName("old_dirs", k), dirs[k].seg[i])
			s.SetBuf(lbfgsName("old_stps", k), stps[k].seg[i])
		}
		st0.SetScalar(lbfgsName("ro", k), ro[k])
	}
	for k := len(ro); k < had; k++ {
		for _, s := range states {
			s.DeleteBuf(lbfgsName("old_dirs", k))
			s.DeleteBuf(lbfgsName("old_stps", k))
		}
		delete(st0.Scalars, lbfgsName("ro", k))
	}
}

// lbfgsStateVec gathers buffer name of every parameter's state into one
// vector; missing buffers are created (zero) when create is set, else an
// error.
func lbfgsStateVec(states []*State, params []*Param, name string, create bool) (*lbfgsVec, error) {
	v := &lbfgsVec{seg: make([]any, len(params))}
	for i, p := range params {
		b := states[i].Buf(name)
		if !lbfgsSegFits(b, p) {
			if !create {
				return nil, fmt.Errorf("LBFGS: state of parameter %q: buffer %q is missing or is not %s[%d]", p.Name, name, p.DType(), p.Len())
			}
			b = lbfgsNewSeg(p)
			states[i].SetBuf(name, b)
		}
		v.seg[i] = b
	}
	return v, nil
}

func lbfgsSegFits(b any, p *Param) bool {
	switch b := b.(type) {
	case []float32:
		return p.DType() == Float32 && len(b) == p.Len()
	case []float64:
		return p.DType() == Float64 && len(b) == p.Len()
	}
	return false
}

func lbfgsNewSeg(p *Param) any {
	if p.DType() == Float64 {
		return make([]float64, p.Len())
	}
	return make([]float32, p.Len())
}

// lbfgsVec is a vector over all of L-BFGS's parameters, PyTorch's flat
// view: one segment per parameter ([]float32 or []float64, the parameter's
// dtype), in group order.
type lbfgsVec struct {
	seg []any
}

func newLBFGSVec(params []*Param) *lbfgsVec {
	v := &lbfgsVec{seg: make([]any, len(params))}
	for i, p := range params {
		v.seg[i] = lbfgsNewSeg(p)
	}
	return v
}

// lbfgsParamVec is the parameters' values as a vector (aliasing them).
func lbfgsParamVec(params []*Param) *lbfgsVec {
	v := &lbfgsVec{seg: make([]any, len(params))}
	for i, p := range params {
		if p.F64 != nil {
			v.seg[i] = p.F64
		} else {
			v.seg[i] = p.F32
		}
	}
	return v
}

// gather copies the parameters' gradients into v: zero for a parameter
// without one, a sparse gradient made dense.
func (v *lbfgsVec) gather(params []*Param) error {
	for i, p := range params {
		var err error
		switch dst := v.seg[i].(type) {
		case []float64:
			var sv []float64
			if p.Sparse != nil {
				sv = p.Sparse.Values
			}
			err = lbfgsGather(p, dst, p.G64, sv)
		case []float32:
			var sv []float32
			if p.Sparse != nil {
				sv = p.Sparse.V32
			}
			err = lbfgsGather(p, dst, p.G32, sv)
		}
		if err != nil {
			return fmt.Errorf("parameter %q: %w", p.Name, err)
		}
	}
	return nil
}

func lbfgsGather[T Float](p *Param, dst, dense, sparse []T) error {
	if sg := p.Sparse; sg != nil {
		rows, cols := p.shape2()
		if err := checkSparse(p, sg, rows, cols); err != nil {
			return err
		}
		clear(dst)
		for k, r := range sg.Rows {
			row, val := dst[r*cols:(r+1)*cols], sparse[k*cols:(k+1)*cols]
			for j := range row {
				row[j] += val[j]
			}
		}
		return nil
	}
	if dense == nil {
		clear(dst)
		return nil
	}
	if len(dense) != len(dst) {
		return fmt.Errorf("gradient has %d values, parameter %d", len(dense), len(dst))
	}
	copy(dst, dense)
	return nil
}

// Element-wise operations of lbfgsVec.apply.
const (
	lbCopy  = iota // v ← a
	lbNeg          // v ← −a
	lbSub          // v ← a − b
	lbScale        // v ← c·a
	lbAxpy         // v ← v + c·a, fused (one rounding) as PyTorch's add_ with alpha
)

// apply sets v to an element-wise function of a and b (see lbCopy...), in
// each segment's dtype.
func (v *lbfgsVec) apply(op int, c float64, a, b *lbfgsVec) {
	for i, s := range v.seg {
		switch s := s.(type) {
		case []float64:
			lbfgsApply(op, c, s, lbfgsSeg[float64](a, i), lbfgsSeg[float64](b, i))
		case []float32:
			lbfgsApply(op, float32(c), s, lbfgsSeg[float32](a, i), lbfgsSeg[float32](b, i))
		}
	}
}

func lbfgsSeg[T Float](v *lbfgsVec, i int) []T {
	if v == nil {
		return nil
	}
	return v.seg[i].([]T)
}

func lbfgsApply[T Float](op int, c T, v, a, b []T) {
	parallel.For(len(v), grain, func(lo, hi int) {
		var bb []T
		if b != nil {
			bb = b[lo:hi]
		}
		lbfgsKernel(op, c, v[lo:hi], a[lo:hi], bb)
	})
}

func lbfgsKernel[T Float](op int, c T, v, a, b []T) {
	a = a[:len(v)]
	switch op {
	case lbCopy:
		copy(v, a)
	case lbNeg:
		for i := range v {
			v[i] = -a[i]
		}
	case lbSub:
		b = b[:len(v)]
		for i := range v {
			v[i] = a[i] - b[i]
		}
	case lbScale:
		for i := range v {
			v[i] = a[i] * c
		}
	case lbAxpy:
		// Fused, as PyTorch's add_(a, alpha=c) (vec::fmadd).
		for i := range v {
			v[i] = T(math.FMA(float64(c), float64(a[i]), float64(v[i])))
		}
	}
}

// Reductions, in float64, combined chunk by chunk and segment by segment in
// order so that the result does not depend on the thread count.
const (
	lbDot       = iota // Σ vᵢwᵢ
	lbAbsSum           // Σ |vᵢ|
	lbAbsMax           // max |vᵢ|
	lbScaledMax        // max |c·vᵢ|, the product in the segment's dtype
)

func (v *lbfgsVec) dot(w *lbfgsVec) float64 { return v.reduce(lbDot, 0, w) }
func (v *lbfgsVec) absSum() float64         { return v.reduce(lbAbsSum, 0, nil) }
func (v *lbfgsVec) absMax() float64         { return v.reduce(lbAbsMax, 0, nil) }
func (v *lbfgsVec) scaledAbsMax(c float64) float64 {
	return v.reduce(lbScaledMax, c, nil)
}

func (v *lbfgsVec) reduce(op int, c float64, w *lbfgsVec) float64 {
	var acc float64
	for i, s := range v.seg {
		var r float64
		switch s := s.(type) {
		case []float64:
			r = lbfgsReduce(op, c, s, lbfgsSeg[float64](w, i))
		case []float32:
			r = lbfgsReduce(op, float32(c), s, lbfgsSeg[float32](w, i))
		}
		if op == lbDot || op == lbAbsSum {
			acc += r
		} else {
			acc = max(acc, r)
		}
	}
	return acc
}

func lbfgsReduce[T Float](op int, c T, v, w []T) float64 {
	n := len(v)
	if n <= grain {
		return lbfgsReduceKernel(op, c, v, w)
	}
	parts := make([]float64, parallel.Chunks(n, grain))
	parallel.For(n, grain, func(lo, hi int) {
		var ww []T
		if w != nil {
			ww = w[lo:hi]
		}
		parts[lo/grain] = lbfgsReduceKernel(op, c, v[lo:hi], ww)
	})
	var acc float64
	for _, p := range parts {
		if op == lbDot || op == lbAbsSum {
			acc += p
		} else {
			acc = max(acc, p)
		}
	}
	return acc
}

func lbfgsReduceKernel[T Float](op int, c T, v, w []T) float64 {
	var acc float64
	switch op {
	case lbDot:
		w = w[:len(v)]
		for i := range v {
			acc += float64(float64(v[i]) * float64(w[i])) // not fused
		}
	case lbAbsSum:
		for _, x := range v {
			acc += math.Abs(float64(x))
		}
	case lbAbsMax:
		for _, x := range v {
			acc = max(acc, math.Abs(float64(x)))
		}
	case lbScaledMax:
		for _, x := range v {
			acc = max(acc, math.Abs(float64(x*c)))
		}
	}
	return acc
}
