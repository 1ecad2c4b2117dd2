package train

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/descent-ml/descent/data"
	"github.com/descent-ml/descent/internal/parallel"
)

// EvalConfig says what Evaluate measures.
type EvalConfig struct {
	// Checkpoint is a run's Out directory.
	Checkpoint string
	// Data is the data set to evaluate on, as Config.Data; empty means
	// the checkpoint's. Label picks a CSV file's label column, as
	// Config.Label (empty: the checkpoint's, for its own data).
	Data, Label string
	// Split is "test", "val", "train" (the training examples, less the
	// validation ones) or "all" (every example of a CSV file or
	// directory, every training example otherwise). Empty means test
	// when the data has a test split, else all.
	Split string
	// Batch is the evaluation batch size (0 means 1000).
	Batch int
	// Threads, when positive, is how many threads the kernels use.
	Threads int
}

// EvalResult is what Evaluate measured.
type EvalResult struct {
	Checkpoint string `json:"checkpoint"`
	// Step is the checkpoint's optimizer step; Model its model spec.
	Step  int    `json:"step"`
	Model string `json:"model"`
	Data  string `json:"data"`
	Split string `json:"split"`
	// Examples, Loss (the training loss function, mean over examples)
	// and Acc (nil for regression).
	Examples int      `json:"examples"`
	Loss     float64  `json:"loss"`
	LossName string   `json:"loss_fn"`
	Acc      *float64 `json:"acc"`
}

// EvalSplits names the values EvalConfig.Split accepts.
var EvalSplits = []string{"test", "val", "train", "all"}

// Evaluate loads a checkpoint's model and measures its loss and accuracy
// on a data set, normalized as the checkpoint's training data was.
func Evaluate(ctx context.Context, cfg EvalConfig) (*EvalResult, error) {
	if cfg.Checkpoint == "" {
		return nil, fmt.Errorf("evaluate: no checkpoint directory given")
	}
	if cfg.Batch < 0 {
		return nil, fmt.Errorf("evaluate: batch %d: want >= 1 (0 means %d)", cfg.Batch, DefaultEvalBatch)
	}
	if cfg.Threads < 0 {
		return nil, fmt.Errorf("evaluate: threads %d: want >= 1 (0: all cores)", cfg.Threads)
	}
	split := strings.ToLower(cfg.Split)
	if split != "" && !slices.Contains(EvalSplits, split) {
		return nil, fmt.Errorf("evaluate: split %q: want one of %s", cfg.Split, strings.Join(EvalSplits, ", "))
	}
	if cfg.Threads > 0 {
		defer parallel.SetThreads(parallel.SetThreads(cfg.Threads))
	}
	ck, err := readCheckpoint(cfg.Checkpoint)
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	saved := ck.state.Config
	dcfg := ck.dataConfig(cfg.Data, cfg.Label)
	splits, err := loadSplits(ctx, dcfg, ck.state.Stats)
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	ds, split, err := pickSplit(ctx, splits, dcfg, ck.state.Stats, split, "test")
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	out, err := outputs(ds)
	if err != nil {
		return nil, fmt.Errorf("evaluate: data %s: %w", dcfg.Data, err)
	}
	net, err := BuildModel(saved.Model, saved.Act, ds.Shape, out, saved.Seed)
	if err != nil {
		return nil, fmt.Errorf("evaluate: the checkpoint's model on data %s: %w", dcfg.Data, err)
	}
	if err := ck.loadModel(net); err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	lossKind, err := resolveLoss(saved.Loss, ds.Kind())
	if err != nil {
		return nil, fmt.Errorf("evaluate: data %s: %w", dcfg.Data, err)
	}
	batch := cfg.Batch
	if batch == 0 {
		batch = DefaultEvalBatch
	}
	ev := newEvaluator(net, &lossFn{kind: lossKind, classes: ds.Kind() == data.Classification, out: out}, batch)
	m, err := ev.run(ctx, ds)
	if err != nil {
		return nil, fmt.Errorf("evaluate: %w", err)
	}
	return &EvalResult{Checkpoint: cfg.Checkpoint, Step: ck.state.Step, Model: saved.Model, Data: dcfg.Data, Split: split,
		Examples: m.Examples, Loss: m.Loss, LossName: lossKind, Acc: m.Acc}, nil
}

// allExamples returns every example of the data set: the training set
// with the validation examples, loaded again without the split when it
// has one.
func allExamples(ctx context.Context, s *Splits, dcfg Config, stats *data.Stats) (*data.Dataset, error) {
	if s.Val == nil {
		return s.Train, nil
	}
	dcfg.Val = 0
	all, err := loadSplits(ctx, dcfg, stats)
	if err != nil {
		return nil, err
	}
	return all.Train, nil
}
