package train

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/descent-ml/descent/data"
)

// Probe is a checkpoint's model and an evaluation data set, loaded once,
// for measuring the loss at many points of parameter space (a loss
// landscape, a line between two checkpoints). Its methods may be called
// from several goroutines, each with its own model from NewModel.
type Probe struct {
	// Checkpoint, Step, Model (the spec), Data and Split say what was
	// loaded; LossName is the training loss function.
	Checkpoint string
	Step       int
	Model      string
	Data       string
	Split      string
	LossName   string
	// Examples is the evaluation set: the split, or its first Samples
	// examples.
	Examples *data.Dataset

	saved Config
	ck    *checkpoint
	out   int
	loss  *lossFn
	batch int
}

// OpenProbe loads cfg's checkpoint and data set as Evaluate does. A
// positive samples keeps only the first samples examples.
func OpenProbe(ctx context.Context, cfg EvalConfig, samples int) (*Probe, error) {
	if cfg.Checkpoint == "" {
		return nil, fmt.Errorf("probe: no checkpoint directory given")
	}
	if cfg.Batch < 0 {
		return nil, fmt.Errorf("probe: batch %d: want >= 1 (0 means %d)", cfg.Batch, DefaultEvalBatch)
	}
	if samples < 0 {
		return nil, fmt.Errorf("probe: samples %d: want >= 1 (0: the whole set)", samples)
	}
	split := strings.ToLower(cfg.Split)
	if split != "" && !slices.Contains(EvalSplits, split) {
		return nil, fmt.Errorf("probe: split %q: want one of %s", cfg.Split, strings.Join(EvalSplits, ", "))
	}
	ck, err := readCheckpoint(cfg.Checkpoint)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	saved := ck.state.Config
	dcfg := ck.dataConfig(cfg.Data, cfg.Label)
	splits, err := loadSplits(ctx, dcfg, ck.state.Stats)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	ds, split, err := pickSplit(ctx, splits, dcfg, ck.state.Stats, split, "test")
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	if samples > 0 && samples < ds.Len() {
		if ds, err = ds.Slice(0, samples); err != nil {
			return nil, fmt.Errorf("probe: samples %d: %w", samples, err)
		}
	}
	out, err := outputs(ds)
	if err != nil {
		return nil, fmt.Errorf("probe: data %s: %w", dcfg.Data, err)
	}
	lossKind, err := resolveLoss(saved.Loss, ds.Kind())
	if err != nil {
		return nil, fmt.Errorf("probe: data %s: %w", dcfg.Data, err)
	}
	batch := cfg.Batch
	if batch == 0 {
		batch = DefaultEvalBatch
	}
	p := &Probe{Checkpoint: cfg.Checkpoint, Step: ck.state.Step, Model: saved.Model, Data: dcfg.Data, Split: split,
		LossName: lossKind, Examples: ds, saved: saved, ck: ck, out: out,
		loss: &lossFn{kind: lossKind, classes: ds.Kind() == data.Classification, out: out}, batch: batch}
	if _, err := p.NewModel(); err != nil {
		return nil, err
	}
	return p, nil
}

// NewModel builds a fresh copy of the checkpoint's model with its
// weights, in eval mode.
func (p *Probe) NewModel() (*Net, error) {
	net, err := BuildModel(p.saved.Model, p.saved.Act, p.Examples.Shape, p.out, p.saved.Seed)
	if err != nil {
		return nil, fmt.Errorf("probe: the checkpoint's model on data %s: %w", p.Data, err)
	}
	if err := p.ck.loadModel(net); err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	net.Module.Eval()
	return net, nil
}

// LoadWeights copies the weights of the checkpoint in dir into net,
// which must be a model of the same spec; a checkpoint of another
// model is an error naming both.
func (p *Probe) LoadWeights(dir string, net *Net) error {
	ck, err := readCheckpoint(dir)
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	if ck.state.Config.Model != p.saved.Model {
		return fmt.Errorf("probe: checkpoint %s holds model %s, checkpoint %s model %s: they must match",
			dir, ck.state.Config.Model, p.Checkpoint, p.saved.Model)
	}
	if err := ck.loadModel(net); err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	return nil
}

// Measure evaluates net (a model from NewModel, whatever its weights
// now are) on the probe's examples, in eval mode, and returns the mean
// loss and the accuracy (nil for regression).
func (p *Probe) Measure(ctx context.Context, net *Net) (loss float64, acc *float64, err error) {
	m, err := newEvaluator(net, p.loss, p.batch).run(ctx, p.Examples)
	if err != nil {
		return 0, nil, err
	}
	return m.Loss, m.Acc, nil
}
