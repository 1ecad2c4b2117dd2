// Package schedule holds descent's learning-rate schedules: every scheduler
// of PyTorch 1.13's torch.optim.lr_scheduler, with PyTorch's names, defaults
// and exact arithmetic, plus WarmupCosine. A schedule drives any
// [optim.Optimizer] through NumGroups, Hyper and SetHyper ("lr", and
// "momentum" or "beta1" for the schedules that cycle momentum).
//
// Use it as in PyTorch: build the optimizer, then the schedule (building it
// already sets the learning rate of the first step, as PyTorch's
// constructor does: LastLR reports it), and call Step after each optimizer
// step:
//
//	opt, _ := optim.NewAdam(params, optim.AdamConfig{LR: 1e-3})
//	sched, _ := schedule.NewCosineAnnealingLR(opt, schedule.CosineAnnealingLRConfig{TMax: 100})
//	for epoch := 0; epoch < 100; epoch++ {
//		train(opt) // opt.Step() per batch
//		sched.Step()
//	}
//
// # PyTorch's semantics
//
// Like PyTorch, most schedules are chainable: Step computes the new rate
// from the rate the optimizer has now (StepLR multiplies it by gamma every
// step_size steps), so several schedules can act on one optimizer
// ([ChainedScheduler]). Where PyTorch has a closed form (a formula of the
// step count and the initial rates), it is used only where PyTorch uses it:
// when [SequentialLR] switches to the next schedule at a milestone.
// CosineAnnealingLR follows PyTorch's recursive form, which differs from the
// closed form in the last bits; like it, past T_max it climbs back up (a
// cosine of period 2·T_max) rather than staying at eta_min.
//
// LastEpoch reports PyTorch's last_epoch: 0 right after the schedule was
// built, k after k steps. PyTorch's last_epoch argument, for resuming, is
// replaced here by loading a saved state.
//
// PyTorch remembers the rate an optimizer had when its first schedule was
// attached (param_groups' initial_lr) and every later schedule on that
// optimizer starts from it. Here a schedule starts from the rate it finds
// (its base rate, BaseLRs), except inside [SequentialLR] and
// [ChainedScheduler], which reproduce PyTorch's sharing of initial_lr among
// the schedules they combine; build those schedules right before combining
// them, as in PyTorch.
//
// # Configuration
//
// Each schedule has a config struct whose json tags are PyTorch's keyword
// names and whose zero value is PyTorch's default; [optim.Zero] asks for an
// explicit zero in a float field whose default is not zero, and pointer
// fields (cycle_momentum, patience) tell "unset" from false or 0. Per-group
// values (max_lr, base_momentum, min_lr, ...) are slices: one value for
// every group, or one per group. [New] builds a schedule from a spec
// string such as "cosine:T_max=100,eta_min=0.001".
//
// # Saving
//
// [StateDict] and [LoadStateDict] save a schedule with its optimizer (in
// the optimizer state's Extra map under "schedule"), so training resumes
// bit for bit. A schedule's state holds its config, as PyTorch's
// state_dict does, and loading it restores that config.
package schedule

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/descent-ml/descent/optim"
)

// Scheduler is what every schedule offers.
type Scheduler interface {
	// Step advances the schedule by one step (an epoch or a batch, as the
	// caller counts them) and sets the optimizer's learning rates; call it
	// after the optimizer's step, as in PyTorch.
	Step() error
	// LastLR returns the learning rate of each group that the schedule set
	// last (PyTorch's get_last_lr()), in a new slice the caller may keep.
	// Step itself allocates nothing once the first step has sized the
	// schedule's buffers.
	LastLR() []float64
	// State returns the schedule's state as JSON.
	State() (json.RawMessage, error)
	// LoadState restores a state that State returned.
	LoadState(json.RawMessage) error
}

// MetricScheduler is a schedule driven by a metric: [ReduceLROnPlateau].
type MetricScheduler interface {
	Scheduler
	// StepMetric advances the schedule with this epoch's metric.
	StepMetric(metric float64) error
}

// node is what SequentialLR and ChainedScheduler need of the schedules they
// combine: the schedules of this package built on base.
type node interface {
	Scheduler
	core() *base
	// stepEpoch is PyTorch's step(epoch): it jumps to epoch, by the closed
	// form where PyTorch has one.
	stepEpoch(epoch int) error
	// restart puts the schedule back as it was right after it was built
	// (from its base rates) and takes the initial step again.
	restart() error
}

// serial numbers schedules in the order they were built.
var serial atomic.Uint64

// seedMode says how a schedule treats PyTorch's initial_lr.
type seedMode int

const (
	seedDefault  seedMode = iota // sets initial_lr if unset; base rates are initial_lr
	seedOwn                      // sets initial_lr if unset; base rates are its own (CyclicLR)
	seedOverride                 // overwrites initial_lr with its own (OneCycleLR)
)

// base is the machinery of PyTorch's _LRScheduler: base rates, the step
// counters, and the step that applies a rule.
type base struct {
	opt       optim.Optimizer
	name      string // PyTorch class name
	serial    uint64
	seed      seedMode
	initLRs   []float64 // the initial_lr this schedule would give a fresh optimizer
	initBase  []float64 // base rates of the initial step, when not baseLRs (CyclicLR after another schedule)
	baseLRs   []float64
	lastEpoch int
	stepCount int
	lastLR    []float64
	momKey    string // "momentum" or "beta1" when the rule also sets momentum
	// lrs and moms are the rule's scratch: the rates and momentums it
	// returns live here, so that a step allocates nothing.
	lrs, moms []float64

	// chain is the rule (PyTorch's get_lr), called with lastEpoch already
	// advanced; moms is nil unless the rule cycles momentum.
	chain func() (lrs, moms []float64, err error)
	// closed is PyTorch's _get_closed_form_lr, nil where there is none.
	closed func() []float64
	// self is the schedule embedding base (for restart).
	self node
	// cfg returns the schedule's config for State; loadCfg decodes a saved
	// config, checks it, and returns the function that installs it.
	cfg     func() any
	loadCfg func(json.RawMessage) (func(), error)
	// extra and loadExtra save and restore state beyond base's.
	extra     func() any
	loadExtra func(json.RawMessage) (func(), error)
}

// attach starts a schedule on opt: its base rates are the rates the
// optimizer has now.
func (b *base) attach(opt optim.Optimizer, name string, self node) error {
	if opt == nil {
		return fmt.Errorf("%s: nil optimizer", name)
	}
	b.opt, b.name, b.self = opt, name, self
	lrs, err := groupValues(opt, "lr")
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if len(lrs) == 0 {
		return fmt.Errorf("%s: the optimizer has no parameter groups", name)
	}
	b.serial = serial.Add(1)
	b.initLRs = lrs
	b.baseLRs = slices.Clone(lrs)
	b.lastEpoch = -1
	return nil
}

// groups reports the optimizer's number of parameter groups.
func (b *base) groups() int { return b.opt.NumGroups() }

// current returns the optimizer's learning rates, in b's scratch.
func (b *base) current() ([]float64, error) {
	var err error
	b.lrs, err = groupValuesInto(b.lrs, b.opt, "lr")
	return b.lrs, err
}

// fromBase returns f of every base rate, in b's scratch.
func (b *base) fromBase(f func(float64) float64) []float64 {
	b.lrs = mapInto(b.lrs, b.baseLRs, f)
	return b.lrs
}

// scratch returns b's rate and, when mom, momentum scratch for n groups.
func (b *base) scratch(n int, mom bool) (lrs, moms []float64) {
	b.lrs = resize(b.lrs, n)
	if !mom {
		return b.lrs, nil
	}
	b.moms = resize(b.moms, n)
	return b.lrs, b.moms
}

// initialStep is PyTorch's _initial_step.
func (b *base) initialStep() error {
	b.stepCount = 0
	return b.self.Step()
}

func (b *base) core() *base { return b }

func (b *base) restart() error {
	b.lastEpoch = -1
	if b.initBase == nil {
		return b.initialStep()
	}
	// PyTorch's CyclicLR takes its initial step from initial_lr and only
	// then switches to its base_lr.
	own := b.baseLRs
	b.baseLRs = b.initBase
	err := b.initialStep()
	b.baseLRs = own
	return err
}

// step is PyTorch's step(): one more step by the chainable rule.
func (b *base) step() error {
	le, sc := b.lastEpoch, b.stepCount
	b.stepCount++
	b.lastEpoch++
	lrs, moms, err := b.chain()
	if err == nil {
		err = b.apply(lrs, moms)
	}
	if err != nil {
		b.lastEpoch, b.stepCount = le, sc
		return fmt.Errorf("%s: %w", b.name, err)
	}
	return nil
}

// stepEpoch is PyTorch's step(epoch).
func (b *base) stepEpoch(epoch int) error {
	le, sc := b.lastEpoch, b.stepCount
	b.stepCount++
	b.lastEpoch = epoch
	var lrs, moms []float64
	var err error
	if b.closed != nil {
		lrs = b.closed()
	} else {
		lrs, moms, err = b.chain()
	}
	if err == nil {
		err = b.apply(lrs, moms)
	}
	if err != nil {
		b.lastEpoch, b.stepCount = le, sc
		return fmt.Errorf("%s: %w", b.name, err)
	}
	return nil
}

// apply writes the rates (and momentums) into the optimizer.
func (b *base) apply(lrs, moms []float64) error {
	if err := setGroupValues(b.opt, "lr", lrs); err != nil {
		return err
	}
	if moms != nil {
		if err := setGroupValues(b.opt, b.momKey, moms); err != nil {
			return err
		}
	}
	b.lastLR = positiveZerosInto(b.lastLR, lrs)
	return nil
}

// Step advances the schedule by one step.
func (b *base) Step() error { return b.step() }

// LastLR returns the learning rate of each group the schedule set last.
func (b *base) LastLR() []float64 { return slices.Clone(b.lastLR) }

// LastEpoch returns PyTorch's last_epoch: the number of steps taken (0
// right after the schedule was built).
func (b *base) LastEpoch() int { return b.lastEpoch }

// BaseLRs returns the learning rate of each group the schedule starts
// from (PyTorch's base_lrs).
func (b *base) BaseLRs() []float64 { return slices.Clone(b.baseLRs) }

// savedState is the JSON of a schedule's state.
type savedState struct {
	Scheduler  string            `json:"scheduler"`
	Config     json.RawMessage   `json:"config,omitempty"`
	LastEpoch  int               `json:"last_epoch"`
	StepCount  int               `json:"step_count,omitempty"`
	BaseLRs    []num             `json:"base_lrs,omitempty"`
	LastLR     []num             `json:"last_lr,omitempty"`
	Extra      json.RawMessage   `json:"extra,omitempty"`
	Schedulers []json.RawMessage `json:"schedulers,omitempty"`
}

// State returns the schedule's state as JSON.
func (b *base) State() (json.RawMessage, error) {
	s := savedState{Scheduler: b.name, LastEpoch: b.lastEpoch, StepCount: b.stepCount,
		BaseLRs: nums(b.baseLRs), LastLR: nums(b.lastLR)}
	var err error
	if b.cfg != nil {
		if s.Config, err = json.Marshal(b.cfg()); err != nil {
			return nil, fmt.Errorf("%s: state: %w", b.name, err)
		}
	}
	if b.extra != nil {
		if s.Extra, err = json.Marshal(b.extra()); err != nil {
			return nil, fmt.Errorf("%s: state: %w", b.name, err)
		}
	}
	out, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("%s: state: %w", b.name, err)
	}
	return out, nil
}

// LoadState restores a state that State returned; on error the schedule
// is unchanged.
func (b *base) LoadState(raw json.RawMessage) error {
	s, err := decodeState(raw, b.name)
	if err != nil {
		return err
	}
	n := b.groups()
	if len(s.BaseLRs) != n || (s.LastLR != nil && len(s.LastLR) != n) {
		return fmt.Errorf("load %s state: saved for %d parameter groups, optimizer has %d", b.name, len(s.BaseLRs), n)
	}
	var commits []func()
	if b.loadCfg != nil && s.Config != nil {
		c, err := b.loadCfg(s.Config)
		if err != nil {
			return fmt.Errorf("load %s state: config: %w", b.name, err)
		}
		commits = append(commits, c)
	}
	if b.loadExtra != nil {
		c, err := b.loadExtra(s.Extra)
		if err != nil {
			return fmt.Errorf("load %s state: %w", b.name, err)
		}
		commits = append(commits, c)
	}
	for _, c := range commits {
		c()
	}
	b.lastEpoch, b.stepCount = s.LastEpoch, s.StepCount
	b.baseLRs = floats(s.BaseLRs)
	b.lastLR = floats(s.LastLR)
	return nil
}

func decodeState(raw json.RawMessage, name string) (*savedState, error) {
	var s savedState
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("load %s state: %w", name, err)
	}
	if s.Scheduler != name {
		return nil, fmt.Errorf("load %s state: saved by %s", name, orNone(s.Scheduler))
	}
	return &s, nil
}

func orNone(s string) string {
	if s == "" {
		return "an unknown schedule"
	}
	return s
}

// loadConfig decodes a saved config into a fresh C, lets keep copy what
// JSON cannot carry (functions) from the current config, and resolves it.
func loadConfig[C any](raw json.RawMessage, keep func(*C), resolve func(*C) error) (C, error) {
	var c C
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, err
	}
	if keep != nil {
		keep(&c)
	}
	return c, resolve(&c)
}

// groupValues reads hyperparameter key of every group.
func groupValues(opt optim.Optimizer, key string) ([]float64, error) {
	return groupValuesInto(nil, opt, key)
}

// groupValuesInto is groupValues into dst's storage, which it reuses when
// it is large enough (a step's rates: a step allocates nothing).
func groupValuesInto(dst []float64, opt optim.Optimizer, key string) ([]float64, error) {
	n := opt.NumGroups()
	dst = resize(dst, n)
	for g := range n {
		v, err := opt.Hyper(g, key)
		if err != nil {
			return dst, err
		}
		dst[g] = v
	}
	return dst, nil
}

// resize returns a slice of n elements, reusing v's storage when it is
// large enough.
func resize(v []float64, n int) []float64 {
	if cap(v) < n {
		return make([]float64, n)
	}
	return v[:n]
}

// mapInto sets dst (resized) to f of every element of src.
func mapInto(dst, src []float64, f func(float64) float64) []float64 {
	dst = resize(dst, len(src))
	for i, x := range src {
		dst[i] = f(x)
	}
	return dst
}

// setGroupValues sets hyperparameter key of every group.
func setGroupValues(opt optim.Optimizer, key string, vs []float64) error {
	for g, v := range vs {
		if err := opt.SetHyper(g, key, v); err != nil {
			return err
		}
	}
	return nil
}

// positiveZeros returns a copy of v with -0 replaced by 0.
func positiveZeros(v []float64) []float64 { return positiveZerosInto(nil, v) }

// positiveZerosInto is positiveZeros into dst's storage (which must not
// be v's), reused when it is large enough.
func positiveZerosInto(dst, v []float64) []float64 {
	dst = resize(dst, len(v))
	for i, x := range v {
		dst[i] = x + 0 // -0 + 0 = +0
	}
	return dst
}

// momentumKey reports which hyperparameter plays momentum for opt: beta1
// for optimizers with betas (Adam and its kin), else momentum (SGD,
// RMSprop), as PyTorch's OneCycleLR picks.
func momentumKey(opt optim.Optimizer) (string, error) {
	if _, err := opt.Hyper(0, "beta1"); err == nil {
		return "beta1", nil
	}
	if _, err := opt.Hyper(0, "momentum"); err == nil {
		return "momentum", nil
	}
	return "", fmt.Errorf("optimizer %s has neither momentum nor betas: set cycle_momentum=false", opt.Name())
}

// sameOptimizer reports whether a and b are the same optimizer.
func sameOptimizer(a, b optim.Optimizer) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	if ta != tb || ta == nil || !ta.Comparable() {
		return false
	}
	return a == b
}

// checkFinite rejects NaN and ±Inf hyperparameters.
func checkFinite(name string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("invalid %s: %v", name, v)
	}
	return nil
}

// perGroup expands a per-group hyperparameter: empty takes def (or is an
// error when def is NaN: no default), one value is for every group, else
// there must be one per group. Zeros (optim.Zero included) become 0.
func perGroup(name string, v []float64, n int, def float64) ([]float64, error) {
	switch len(v) {
	case 0:
		if math.IsNaN(def) {
			return nil, fmt.Errorf("%s is required", name)
		}
		v = []float64{def}
	case 1, n:
	default:
		return nil, fmt.Errorf("expected %d values for %s (one per parameter group), got %d", n, name, len(v))
	}
	out := make([]float64, n)
	for g := range out {
		x := v[0]
		if len(v) == n {
			x = v[g]
		}
		if err := checkFinite(name, x); err != nil {
			return nil, err
		}
		out[g] = x + 0 // -0 + 0 = +0
	}
	return out, nil
}

// num is a float64 that survives JSON exactly, NaN and ±Inf included (as
// the strings "NaN", "+Inf", "-Inf").
type num float64

func (f num) MarshalJSON() ([]byte, error) {
	x := float64(f)
	s := strconv.FormatFloat(x, 'g', -1, 64)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return []byte(strconv.Quote(s)), nil
	}
	return []byte(s), nil
}

func (f *num) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("bad number %s", b)
	}
	*f = num(x)
	return nil
}

func nums(v []float64) []num {
	if v == nil {
		return nil
	}
	out := make([]num, len(v))
	for i, x := range v {
		out[i] = num(x)
	}
	return out
}

func floats(v []num) []float64 {
	if v == nil {
		return nil
	}
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// pymod is Python's % for ints: the result has the sign of m.
func pymod(a, m int) int {
	r := a % m
	if r != 0 && (r < 0) != (m < 0) {
		r += m
	}
	return r
}

// saveConfig makes b save *cfg with its state and restore it on load:
// keep copies into a decoded config what JSON does not carry (functions),
// resolve fills defaults and checks it.
func saveConfig[C any](b *base, cfg *C, keep func(from, to *C), resolve func(*C) error) {
	b.cfg = func() any { return *cfg }
	b.loadCfg = func(raw json.RawMessage) (func(), error) {
		c, err := loadConfig(raw, func(to *C) {
			if keep != nil {
				keep(cfg, to)
			}
		}, resolve)
		if err != nil {
			return nil, err
		}
		return func() { *cfg = c }, nil
	}
}

// finish takes a new schedule's initial step.
func finish[S node](s S) (S, error) {
	if err := s.core().initialStep(); err != nil {
		var zero S
		return zero, err
	}
	return s, nil
}
