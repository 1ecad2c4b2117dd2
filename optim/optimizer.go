// Package optim holds descent's optimizers: every optimizer PyTorch ships,
// with PyTorch's names, defaults and exact update rules, and the modern ones
// users ask for (Lion, LAMB, LARS, Lookahead, AdaBelief, Schedule-Free,
// Muon).
//
// An optimizer updates parameter buffers ([Param]) in place from the
// gradients stored beside them; it knows nothing of models or autodiff, so
// the 2-D surface lab, the trainer and a user's own code all drive the same
// code. Each optimizer's whole update rule lives in one file named after it.
//
// Hyperparameters come in a config struct per optimizer whose zero value
// means PyTorch's default; [Zero] asks for an exact zero where the default
// is not zero. Parameters are organised in groups, each with its own config,
// as PyTorch's param_groups.
package optim

import (
	"errors"
	"fmt"
	"reflect"
)

// Closure re-evaluates the model: it recomputes the gradients into the
// parameters' gradient buffers and returns the loss.
type Closure func() (float64, error)

// Optimizer is what every optimizer offers, so that schedules, gradient
// accumulation, Lookahead, the trainer and the surface lab can drive any of
// them.
type Optimizer interface {
	// Name is the optimizer's PyTorch class name (or the paper's name).
	Name() string
	// Step applies one update from the gradients in the parameters.
	Step() error
	// StepClosure calls closure once to compute the gradients (L-BFGS
	// calls it as often as it needs), updates, and returns the loss the
	// first call reported, as PyTorch's step(closure) does.
	StepClosure(closure Closure) (float64, error)
	// ZeroGrad zeroes every parameter's gradient.
	ZeroGrad()
	// NumGroups reports the number of parameter groups.
	NumGroups() int
	// Params returns the parameters of group g.
	Params(g int) []*Param
	// Hyper returns hyperparameter key (PyTorch's name: "lr", "momentum",
	// "betas.0" or "beta1", ...) of group g.
	Hyper(g int, key string) (float64, error)
	// SetHyper sets hyperparameter key of group g, as a schedule does.
	SetHyper(g int, key string, v float64) error
	// SetNonFinite chooses what a step does with a NaN or infinite
	// gradient. The default is NonFiniteReject.
	SetNonFinite(NonFinite)
	// Skipped reports how many steps were skipped for a non-finite
	// gradient under NonFiniteSkip.
	Skipped() int
	// StateDict returns a deep copy of the optimizer's state.
	StateDict() *StateDict
	// LoadStateDict replaces the optimizer's state by a copy of sd, which
	// must come from an optimizer of the same kind over parameters of the
	// same number, types and sizes.
	LoadStateDict(sd *StateDict) error
}

// NonFinite says what a step does when a gradient holds NaN or ±Inf.
type NonFinite int

const (
	// NonFiniteReject refuses the step and returns a *NonFiniteError; the
	// parameters and state are unchanged.
	NonFiniteReject NonFinite = iota
	// NonFiniteSkip skips the step silently (counted by Skipped); the
	// parameters and state are unchanged.
	NonFiniteSkip
	// NonFiniteUnchecked does not look: for callers that already checked
	// the gradients (ClipGradNorm reports a non-finite norm), it saves one
	// read of every gradient a step.
	NonFiniteUnchecked
)

// NonFiniteError reports a NaN or infinite gradient that stopped a step.
type NonFiniteError struct {
	Param string // the first parameter whose gradient is not finite
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("non-finite gradient in parameter %q: step refused, parameters unchanged", e.Param)
}

// ErrNeedsClosure is returned by Step of an optimizer that must re-evaluate
// the model (L-BFGS): call StepClosure.
var ErrNeedsClosure = errors.New("this optimizer needs a closure: call StepClosure")

// Group is one parameter group: its parameters and its resolved config.
type Group[C any] struct {
	Params []*Param
	Config C
}

// core holds what every optimizer shares: groups, per-parameter state, the
// non-finite policy, and the plumbing for hyperparameters and state dicts.
// An optimizer embeds core and supplies resolve (defaults and PyTorch's
// checks) and update (the rule for one parameter).
type core[C any] struct {
	name     string
	defaults C
	groups   []Group[C]
	state    map[*Param]*State
	policy   NonFinite
	skipped  int
	finite   finiteTask // scratch for the non-finite check

	resolve func(*C) error
	update  func(cfg *C, p *Param, s *State) error
	// beginGroup, when set, is called once per group at every step, before
	// the group's parameters are updated and whether or not any of them has
	// a gradient: for state kept per group (Schedule-Free's counters).
	beginGroup func(g int)
}

func (o *core[C]) init(name string, cfg C, resolve func(*C) error, update func(*C, *Param, *State) error) error {
	o.name = name
	o.resolve = resolve
	o.update = update
	o.state = make(map[*Param]*State)
	if err := resolve(&cfg); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	o.defaults = cfg
	return nil
}

// setup is init followed by adding params as the first group: what every
// constructor does.
func (o *core[C]) setup(name string, cfg C, resolve func(*C) error, update func(*C, *Param, *State) error, params []*Param) error {
	if err := o.init(name, cfg, resolve, update); err != nil {
		return err
	}
	return o.AddGroup(o.defaults, params...)
}

// Name returns the optimizer's name.
func (o *core[C]) Name() string { return o.name }

// Defaults returns the config new groups inherit from (the constructor's,
// with PyTorch's defaults filled in).
func (o *core[C]) Defaults() C { return o.defaults }

// AddGroup adds a parameter group. Fields of cfg left at their zero value
// take the optimizer's defaults (the constructor's config), as PyTorch's
// add_param_group does. A parameter may belong to one group only.
func (o *core[C]) AddGroup(cfg C, params ...*Param) error {
	inherit(&cfg, &o.defaults)
	if err := o.resolve(&cfg); err != nil {
		return fmt.Errorf("%s: %w", o.name, err)
	}
	seen := make(map[*Param]bool)
	for _, g := range o.groups {
		for _, p := range g.Params {
			seen[p] = true
		}
	}
	for _, p := range params {
		if p == nil {
			return fmt.Errorf("%s: nil parameter", o.name)
		}
		if err := p.check(); err != nil {
			return fmt.Errorf("%s: %w", o.name, err)
		}
		if seen[p] {
			return fmt.Errorf("%s: parameter %q appears in more than one group", o.name, p.Name)
		}
		seen[p] = true
	}
	o.groups = append(o.groups, Group[C]{Params: append([]*Param(nil), params...), Config: cfg})
	return nil
}

// Groups returns the parameter groups. Their configs may be changed in
// place; the change takes effect at the next step.
func (o *core[C]) Groups() []Group[C] { return o.groups }

// NumGroups reports the number of parameter groups.
func (o *core[C]) NumGroups() int { return len(o.groups) }

// Params returns the parameters of group g.
func (o *core[C]) Params(g int) []*Param {
	if g < 0 || g >= len(o.groups) {
		return nil
	}
	return o.groups[g].Params
}

// Hyper returns hyperparameter key of group g.
func (o *core[C]) Hyper(g int, key string) (float64, error) {
	if g < 0 || g >= len(o.groups) {
		return 0, fmt.Errorf("%s: no parameter group %d (have %d)", o.name, g, len(o.groups))
	}
	f, err := hyperField(&o.groups[g].Config, key)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", o.name, err)
	}
	return f.Float(), nil
}

// SetHyper sets hyperparameter key of group g.
func (o *core[C]) SetHyper(g int, key string, v float64) error {
	if g < 0 || g >= len(o.groups) {
		return fmt.Errorf("%s: no parameter group %d (have %d)", o.name, g, len(o.groups))
	}
	f, err := hyperField(&o.groups[g].Config, key)
	if err != nil {
		return fmt.Errorf("%s: %w", o.name, err)
	}
	f.SetFloat(v)
	return nil
}

// SetNonFinite chooses what a step does with a non-finite gradient.
func (o *core[C]) SetNonFinite(p NonFinite) { o.policy = p }

// Skipped reports how many steps NonFiniteSkip skipped.
func (o *core[C]) Skipped() int { return o.skipped }

// ZeroGrad zeroes every parameter's gradient.
func (o *core[C]) ZeroGrad() {
	for _, g := range o.groups {
		for _, p := range g.Params {
			p.ZeroGrad()
		}
	}
}

// State returns the state of parameter p (nil before its first update).
func (o *core[C]) State(p *Param) *State { return o.state[p] }

// gradsOK applies the non-finite policy. ok is false when the step must not
// go on; err is then set for NonFiniteError.
func (o *core[C]) gradsOK() (ok bool, err error) {
	if o.policy == NonFiniteUnchecked {
		return true, nil
	}
	for _, g := range o.groups {
		for _, p := range g.Params {
			if p.HasGrad() && !o.finite.check(p) {
				if o.policy == NonFiniteSkip {
					o.skipped++
					return false, nil
				}
				return false, &NonFiniteError{Param: p.Name}
			}
		}
	}
	return true, nil
}

// stateOf returns p's state, creating it on first use.
func (o *core[C]) stateOf(p *Param) *State {
	s := o.state[p]
	if s == nil {
		s = &State{}
		o.state[p] = s
	}
	return s
}

// Step applies one update to every parameter that has a gradient.
func (o *core[C]) Step() error {
	if ok, err := o.gradsOK(); !ok {
		return err
	}
	for gi := range o.groups {
		g := &o.groups[gi]
		if o.beginGroup != nil {
			o.beginGroup(gi)
		}
		for _, p := range g.Params {
			if !p.HasGrad() {
				continue
			}
			if err := o.update(&g.Config, p, o.stateOf(p)); err != nil {
				return fmt.Errorf("%s: parameter %q: %w", o.name, p.Name, err)
			}
		}
	}
	return nil
}

// StepClosure evaluates closure once, then steps; it returns the loss.
func (o *core[C]) StepClosure(closure Closure) (float64, error) {
	return stepWithClosure(o.Step, closure)
}

func stepWithClosure(step func() error, closure Closure) (float64, error) {
	if closure == nil {
		return 0, step()
	}
	loss, err := closure()
	if err != nil {
		return loss, fmt.Errorf("closure: %w", err)
	}
	return loss, step()
}

// inherit fills the zero-valued fields of cfg from def: floats left at 0
// (not Zero), ints at 0, strings empty, and false bools take def's value.
func inherit[C any](cfg, def *C) {
	cv := reflect.ValueOf(cfg).Elem()
	dv := reflect.ValueOf(def).Elem()
	inheritValue(cv, dv)
}

func inheritValue(cv, dv reflect.Value) {
	switch cv.Kind() {
	case reflect.Struct:
		for i := range cv.NumField() {
			if cv.Type().Field(i).IsExported() {
				inheritValue(cv.Field(i), dv.Field(i))
			}
		}
	case reflect.Array:
		for i := range cv.Len() {
			inheritValue(cv.Index(i), dv.Index(i))
		}
	case reflect.Float64, reflect.Float32:
		if IsDefault(cv.Float()) {
			cv.SetFloat(dv.Float())
		}
	case reflect.Int, reflect.Int64:
		if cv.Int() == 0 {
			cv.SetInt(dv.Int())
		}
	case reflect.String:
		if cv.String() == "" {
			cv.SetString(dv.String())
		}
	case reflect.Bool:
		if !cv.Bool() {
			cv.SetBool(dv.Bool())
		}
	}
}
