package schedule

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/descent-ml/descent/optim"
)

// entry is a schedule New can build.
type entry struct {
	name  string // spec name
	class string // PyTorch class name
	build func(optim.Optimizer, optim.Hyper) (Scheduler, error)
}

// fromHyper makes an entry whose hyperparameters decode into C.
func fromHyper[C any, S Scheduler](name, class string, ctor func(optim.Optimizer, C) (S, error)) entry {
	return entry{name, class, func(opt optim.Optimizer, h optim.Hyper) (Scheduler, error) {
		var cfg C
		if err := decode(h, &cfg); err != nil {
			return nil, fmt.Errorf("%s: %w", class, err)
		}
		s, err := ctor(opt, cfg)
		if err != nil {
			return nil, err
		}
		return s, nil
	}}
}

var entries = []entry{
	fromHyper("step", "StepLR", NewStepLR),
	fromHyper("multistep", "MultiStepLR", NewMultiStepLR),
	fromHyper("constant", "ConstantLR", NewConstantLR),
	fromHyper("linear", "LinearLR", NewLinearLR),
	fromHyper("exponential", "ExponentialLR", NewExponentialLR),
	fromHyper("cosine", "CosineAnnealingLR", NewCosineAnnealingLR),
	fromHyper("cosine_warm_restarts", "CosineAnnealingWarmRestarts", NewCosineAnnealingWarmRestarts),
	fromHyper("polynomial", "PolynomialLR", NewPolynomialLR),
	fromHyper("cyclic", "CyclicLR", NewCyclicLR),
	fromHyper("onecycle", "OneCycleLR", NewOneCycleLR),
	fromHyper("plateau", "ReduceLROnPlateau", NewReduceLROnPlateau),
	fromHyper("warmup_cosine", "WarmupCosine", NewWarmupCosine),
}

// aliases are other spec names.
var aliases = map[string]string{"sgdr": "cosine_warm_restarts"}

// lookup finds a schedule by spec name, alias or PyTorch class name, in
// any case.
func lookup(name string) (entry, bool) {
	key := strings.ToLower(strings.TrimSpace(name))
	if a, ok := aliases[key]; ok {
		key = a
	}
	for _, e := range entries {
		if e.name == key || strings.ToLower(e.class) == key {
			return e, true
		}
	}
	return entry{}, false
}

// Names lists the spec names New accepts, sorted (aliases included).
func Names() []string {
	var names []string
	for _, e := range entries {
		names = append(names, e.name)
	}
	for a := range aliases {
		names = append(names, a)
	}
	sort.Strings(names)
	return names
}

// New builds the schedule a spec names on opt: "NAME[:key=value,...]",
// with PyTorch's keyword names as keys (as config json tags; any case),
// for instance "cosine:T_max=100,eta_min=0.001",
// "onecycle:max_lr=0.1,total_steps=1000", "multistep:milestones=30/80"
// (lists are separated by '/'), "plateau:patience=0,factor=0.5".
//
// Names: step (StepLR), multistep (MultiStepLR), constant (ConstantLR),
// linear (LinearLR), exponential (ExponentialLR), cosine
// (CosineAnnealingLR), cosine_warm_restarts or sgdr
// (CosineAnnealingWarmRestarts), polynomial (PolynomialLR), cyclic
// (CyclicLR), onecycle (OneCycleLR), plateau (ReduceLROnPlateau, which
// needs StepMetric: see MetricScheduler) and warmup_cosine
// (NewWarmupCosine: warmup_steps, total_steps, eta_min, start_factor).
// PyTorch class names work too. LambdaLR, MultiplicativeLR, SequentialLR
// and ChainedScheduler are built with their Go constructors.
func New(opt optim.Optimizer, spec string) (Scheduler, error) {
	name, h, err := optim.ParseSpec(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %w", err)
	}
	return NewFromHyper(opt, name, h)
}

// NewFromHyper builds schedule name (a spec name or PyTorch class name)
// with hyperparameters h on opt.
func NewFromHyper(opt optim.Optimizer, name string, h optim.Hyper) (Scheduler, error) {
	e, ok := lookup(name)
	if !ok {
		return nil, unknown(name)
	}
	return e.build(opt, h)
}

func unknown(name string) error {
	switch strings.ToLower(name) {
	case "lambdalr", "multiplicativelr", "sequentiallr", "chainedscheduler", "lambda", "multiplicative", "sequential", "chained":
		return fmt.Errorf("schedule %q has no spec: build it with its Go constructor", name)
	}
	return fmt.Errorf("unknown schedule %q (known: %s)", name, strings.Join(Names(), ", "))
}

// NewFromJSON builds a schedule from a PyTorch class name (or spec name)
// and its keyword arguments as a JSON object, such as
// {"T_max": 12, "eta_min": 0.001}; lists are JSON arrays. SequentialLR and
// ChainedScheduler take {"schedulers": [{"scheduler": CLASS, "hyper":
// {...}}, ...]} (and "milestones"), built in order on opt. "verbose" is
// ignored and "last_epoch" must be -1 (resume from a saved state instead).
func NewFromJSON(opt optim.Optimizer, name string, kwargs json.RawMessage) (Scheduler, error) {
	args, err := jsonArgs(kwargs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	delete(args, "verbose")
	if le, ok := args["last_epoch"]; ok {
		if n, err := strconv.Atoi(strings.TrimSpace(string(le))); err != nil || n != -1 {
			return nil, fmt.Errorf("%s: last_epoch=%s is not supported: load a saved state to resume", name, le)
		}
		delete(args, "last_epoch")
	}
	switch strings.ToLower(name) {
	case "sequentiallr", "chainedscheduler":
		return composite(opt, name, args)
	}
	e, ok := lookup(name)
	if !ok {
		return nil, unknown(name)
	}
	h, err := optim.HyperFromJSON(args)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e.class, err)
	}
	return e.build(opt, h)
}

// composite builds SequentialLR or ChainedScheduler from JSON.
func composite(opt optim.Optimizer, name string, args map[string]json.RawMessage) (Scheduler, error) {
	var subs []struct {
		Scheduler string          `json:"scheduler"`
		Hyper     json.RawMessage `json:"hyper"`
	}
	if err := json.Unmarshal(args["schedulers"], &subs); err != nil {
		return nil, fmt.Errorf("%s: schedulers: %w", name, err)
	}
	var milestones []int
	if m, ok := args["milestones"]; ok {
		if err := json.Unmarshal(m, &milestones); err != nil {
			return nil, fmt.Errorf("%s: milestones: %w", name, err)
		}
	}
	for k := range args {
		if k != "schedulers" && k != "milestones" {
			return nil, fmt.Errorf("%s: unknown argument %q", name, k)
		}
	}
	scheds := make([]Scheduler, len(subs))
	for i, sub := range subs {
		s, err := NewFromJSON(opt, sub.Scheduler, sub.Hyper)
		if err != nil {
			return nil, fmt.Errorf("%s: scheduler %d: %w", name, i, err)
		}
		scheds[i] = s
	}
	if strings.ToLower(name) == "chainedscheduler" {
		if milestones != nil {
			return nil, fmt.Errorf("%s takes no milestones", name)
		}
		return NewChainedScheduler(scheds)
	}
	return NewSequentialLR(opt, SequentialLRConfig{Schedulers: scheds, Milestones: milestones})
}

func jsonArgs(kwargs json.RawMessage) (map[string]json.RawMessage, error) {
	args := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(kwargs)) == 0 {
		return args, nil
	}
	if err := json.Unmarshal(kwargs, &args); err != nil {
		return nil, err
	}
	if args == nil {
		args = map[string]json.RawMessage{}
	}
	return args, nil
}

// decode is optim.Hyper.Decode for schedule configs: keys match json tags
// in any case, and pointer fields (*bool, *int), which optim's Decode does
// not set, are set here.
func decode(h optim.Hyper, dst any) error {
	v := reflect.ValueOf(dst).Elem()
	fields := map[string]reflect.Value{}
	lower := map[string]string{}
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		fields[name] = v.Field(i)
		lower[strings.ToLower(name)] = name
	}
	var rest optim.Hyper
	for _, kv := range h {
		key := kv.Key
		if _, ok := fields[key]; !ok {
			if k, ok := lower[strings.ToLower(key)]; ok {
				key = k
			}
		}
		f, ok := fields[key]
		if !ok || f.Kind() != reflect.Pointer {
			rest = append(rest, optim.KV{Key: key, Value: kv.Value})
			continue
		}
		p := reflect.New(f.Type().Elem())
		switch p.Elem().Kind() {
		case reflect.Bool:
			b, err := strconv.ParseBool(kv.Value)
			if err != nil {
				return fmt.Errorf("hyperparameter %s=%q: want true or false", key, kv.Value)
			}
			p.Elem().SetBool(b)
		case reflect.Int:
			n, err := strconv.Atoi(kv.Value)
			if err != nil {
				x, ferr := strconv.ParseFloat(kv.Value, 64)
				if ferr != nil || x != float64(int(x)) {
					return fmt.Errorf("hyperparameter %s=%q: want an integer", key, kv.Value)
				}
				n = int(x)
			}
			p.Elem().SetInt(int64(n))
		default:
			return fmt.Errorf("hyperparameter %s cannot be set from text", key)
		}
		f.Set(p)
	}
	return rest.Decode(dst)
}
