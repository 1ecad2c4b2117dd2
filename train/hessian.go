package train

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/descent-ml/descent/autograd"
	"github.com/descent-ml/descent/data"
	"github.com/descent-ml/descent/hessian"
	"github.com/descent-ml/descent/nn"
	"github.com/descent-ml/descent/plot"
	"github.com/descent-ml/descent/safetensors"
	"github.com/descent-ml/descent/tensor"
)

// HessianConfig says where the Hessian of a checkpoint's loss is taken.
type HessianConfig struct {
	// Checkpoint is a run's Out directory.
	Checkpoint string
	// Data is the data set, as Config.Data; empty means the
	// checkpoint's. Label picks a CSV file's label column, as in
	// EvalConfig.
	Data, Label string
	// Split is "train" (the default: the training examples, less the
	// validation ones), "test", "val" or "all", as in EvalConfig.
	Split string
	// Samples, when positive, keeps only the split's first Samples
	// examples.
	Samples int
	// Batch is how many examples one recorded graph holds (0 means
	// DefaultEvalBatch). The Hessian is that of the mean loss over all
	// the examples, whatever the batch size.
	Batch int
}

// Hessian is a checkpoint's model in float64, in evaluation mode, with
// the data and loss its Hessian is taken over.
type Hessian struct {
	// Op is the Hessian of the mean training loss over the examples at
	// the checkpoint's weights.
	Op *hessian.Autograd
	// Model is the checkpoint's network in float64, in evaluation mode.
	Model nn.Module[float64]
	// Spec is the model spec, Step the checkpoint's optimizer step, Data
	// and Split the examples', Examples their number and LossName the
	// loss function (ce, mse or bce).
	Spec     string
	Step     int
	Data     string
	Split    string
	Examples int
	LossName string
	// Optimizer is the checkpoint's optimizer name; LR its first
	// group's learning rate at the checkpoint (0 when it has none) and
	// Momentum SGD's momentum (0 for other optimizers).
	Optimizer    string
	LR, Momentum float64

	batches []hessian.Batch
	loss    hessian.Loss
}

// LoadHessian loads a checkpoint's model into float64 (its float32
// weights widened), puts it in evaluation mode, loads the data (as
// Evaluate does: normalized as the training data was) and returns the
// Hessian of the training loss over the chosen examples.
func LoadHessian(ctx context.Context, cfg HessianConfig) (*Hessian, error) {
	if cfg.Checkpoint == "" {
		return nil, fmt.Errorf("hessian: no checkpoint directory given")
	}
	if cfg.Samples < 0 {
		return nil, fmt.Errorf("hessian: samples %d: want >= 1 (0: every example)", cfg.Samples)
	}
	if cfg.Batch < 0 {
		return nil, fmt.Errorf("hessian: batch %d: want >= 1 (0 means %d)", cfg.Batch, DefaultEvalBatch)
	}
	split := strings.ToLower(cfg.Split)
	if split == "" {
		split = "train"
	}
	ck, err := readCheckpoint(cfg.Checkpoint)
	if err != nil {
		return nil, fmt.Errorf("hessian: %w", err)
	}
	saved := ck.state.Config
	dcfg := ck.dataConfig(cfg.Data, cfg.Label)
	splits, err := loadSplits(ctx, dcfg, ck.state.Stats)
	if err != nil {
		return nil, fmt.Errorf("hessian: %w", err)
	}
	ds, split, err := pickSplit(ctx, splits, dcfg, ck.state.Stats, split, "train")
	if err != nil {
		return nil, fmt.Errorf("hessian: %w", err)
	}
	out, err := outputs(ds)
	if err != nil {
		return nil, fmt.Errorf("hessian: data %s: %w", dcfg.Data, err)
	}
	m, err := buildModel[float64](saved.Model, saved.Act, ds.Shape, out, saved.Seed)
	if err != nil {
		return nil, fmt.Errorf("hessian: the checkpoint's model on data %s: %w", dcfg.Data, err)
	}
	if err := ck.loadModel64(m); err != nil {
		return nil, fmt.Errorf("hessian: %w", err)
	}
	m.module.Eval()
	lossKind, err := resolveLoss(saved.Loss, ds.Kind())
	if err != nil {
		return nil, fmt.Errorf("hessian: data %s: %w", dcfg.Data, err)
	}
	n := size(ds)
	if cfg.Samples > 0 && cfg.Samples < n {
		n = cfg.Samples
	}
	batch := cfg.Batch
	if batch == 0 {
		batch = DefaultEvalBatch
	}
	h := &Hessian{Model: m.module, Spec: m.spec, Step: ck.state.Step, Data: dcfg.Data, Split: split,
		Examples: n, LossName: lossKind, batches: toBatches(ds, m.inShape, out, n, batch)}
	switch lossKind {
	case "ce":
		h.loss = hessian.CrossEntropy
	case "mse":
		h.loss = hessian.MSE
	case "bce":
		h.loss = hessian.BCEWithLogits
	default:
		return nil, fmt.Errorf("hessian: loss %q: want ce, mse or bce", lossKind)
	}
	if h.Op, err = hessian.NewModel(h.Model, h.loss, h.batches); err != nil {
		return nil, err
	}
	if err := h.readOptimizer(ck); err != nil {
		return nil, fmt.Errorf("hessian: %w", err)
	}
	return h, nil
}

// readOptimizer reads the learning rate and momentum of the checkpoint's
// first parameter group.
func (h *Hessian) readOptimizer(ck *checkpoint) error {
	sd, err := ck.optimizerState()
	if err != nil {
		return err
	}
	h.Optimizer = sd.Optimizer
	if len(sd.Groups) == 0 {
		return nil
	}
	var hyper map[string]any
	if err := json.Unmarshal(sd.Groups[0].Hyper, &hyper); err != nil {
		return fmt.Errorf("checkpoint %s: group 0's hyperparameters: %w", filepath.Join(ck.dir, OptimizerFile), err)
	}
	if v, ok := hyper["lr"].(float64); ok && v > 0 && !math.IsInf(v, 0) {
		h.LR = v
	}
	if v, ok := hyper["momentum"].(float64); ok && strings.EqualFold(sd.Optimizer, "sgd") && v >= 0 && v < 1 {
		h.Momentum = v
	}
	return nil
}

// loadModel64 copies the checkpoint's float32 weights, widened, into a
// float64 model, strictly as loadModel does.
func (ck *checkpoint) loadModel64(m *built[float64]) error {
	path := filepath.Join(ck.dir, ModelFile)
	f, err := safetensors.Read(ck.model)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	state := make([]nn.NamedTensor[float64], 0, len(f.Tensors))
	for _, t := range f.Tensors {
		if t.F32 == nil {
			return fmt.Errorf("checkpoint %s: tensor %q is %s, want F32", path, t.Name, t.DType)
		}
		v := make([]float64, len(t.F32))
		for i, x := range t.F32 {
			v[i] = float64(x)
		}
		state = append(state, nn.NamedTensor[float64]{Name: t.Name, Tensor: &tensor.Tensor[float64]{Shape: t.Shape, Data: v}})
	}
	if err := nn.LoadStateDict(m.module, state); err != nil {
		return fmt.Errorf("checkpoint %s does not fit model %s: %w", path, m.spec, err)
	}
	return nil
}

// toBatches copies the first n examples of ds into float64 batches of at
// most batch examples, shaped as the network reads them, with one-hot
// targets for class labels under a loss other than cross-entropy.
func toBatches(ds *data.Dataset, inShape []int, out, n, batch int) []hessian.Batch {
	d := 1
	for _, v := range inShape {
		d *= v
	}
	var bs []hessian.Batch
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		m := hi - lo
		x := make([]float64, m*d)
		for i, v := range ds.X[lo*d : hi*d] {
			x[i] = float64(v)
		}
		b := hessian.Batch{X: &tensor.Tensor[float64]{Shape: append([]int{m}, inShape...), Data: x}}
		y := make([]float64, m*out)
		if ds.Kind() == data.Classification {
			b.Labels = ds.Labels[lo:hi]
			for i, c := range b.Labels {
				y[i*out+c] = 1
			}
		} else {
			for i, v := range ds.Targets[lo*out : hi*out] {
				y[i] = float64(v)
			}
		}
		b.Y = &tensor.Tensor[float64]{Shape: []int{m, out}, Data: y}
		bs = append(bs, b)
	}
	return bs
}

// Loss returns the mean loss over the examples at the model's current
// weights.
func (h *Hessian) Loss(ctx context.Context) (float64, error) {
	g := autograd.NewGraph[float64]()
	g.SetGradEnabled(false)
	var sum, total float64
	for i, b := range h.batches {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		g.Reset()
		out, err := h.Model.Forward(g, g.Input(b.X))
		if err != nil {
			return 0, fmt.Errorf("hessian: batch %d: %w", i, err)
		}
		l, err := h.loss(g, out, b)
		if err != nil {
			return 0, fmt.Errorf("hessian: batch %d: %w", i, err)
		}
		w := float64(b.X.Shape[0])
		sum += w * l.Value.Data[0]
		total += w
	}
	return sum / total, nil
}

// LossAlong returns the mean loss at θ + t·dir for each t of ts, where θ
// are the checkpoint's weights and dir a vector laid out as Op's
// Segments (an eigenvector of Op, say). The weights are θ again when it
// returns.
func (h *Hessian) LossAlong(ctx context.Context, dir []float64, ts []float64) ([]float64, error) {
	if len(dir) != h.Op.Dim() {
		return nil, fmt.Errorf("hessian: direction of %d values for a model of %d parameters", len(dir), h.Op.Dim())
	}
	ps := h.Model.Parameters()
	theta := make([][]float64, len(ps))
	for i, p := range ps {
		theta[i] = append([]float64(nil), p.Var.Value.Data...)
	}
	defer func() {
		for i, p := range ps {
			copy(p.Var.Value.Data, theta[i])
		}
	}()
	losses := make([]float64, len(ts))
	for k, t := range ts {
		off := 0
		for i, p := range ps {
			v := p.Var.Value.Data
			for j := range v {
				v[j] = theta[i][j] + t*dir[off+j]
			}
			off += len(v)
		}
		l, err := h.Loss(ctx)
		if err != nil {
			return nil, err
		}
		losses[k] = l
	}
	return losses, nil
}

// HessianRunConfig is a whole analysis of a checkpoint's Hessian: where
// it is taken, how (Analyze), and which pictures are drawn.
type HessianRunConfig struct {
	HessianConfig
	// Analyze configures hessian.Analyze. Its LR, when zero, is the
	// checkpoint's learning rate, and then its Momentum, when negative,
	// the checkpoint's SGD momentum (a negative Momentum with an LR given
	// means none).
	Analyze hessian.Config
	// Along, when "top", evaluates the loss along the top eigenvector at
	// AlongPoints (default 21) points from −AlongRadius to +AlongRadius
	// (default 0.5).
	Along       string
	AlongPoints int
	AlongRadius float64
	// DensityOut and AlongOut, when set, are the PNG or SVG files the
	// eigenvalue density (log y) and the loss along the top eigenvector
	// are drawn to.
	DensityOut, AlongOut string
}

// HessianReport is what AnalyzeCheckpoint finds, with JSON names: the
// fields of hessian.Result with the checkpoint and data it was taken at.
type HessianReport struct {
	Checkpoint string `json:"checkpoint"`
	Model      string `json:"model"`
	Step       int    `json:"step"`
	Data       string `json:"data"`
	Split      string `json:"split"`
	Examples   int    `json:"examples"`
	LossName   string `json:"loss_fn"`
	Optimizer  string `json:"optimizer"`
	*hessian.Result
	// Along is the loss along the top eigenvector, when asked for.
	Along *LossLine `json:"along,omitempty"`
}

// LossLine is the loss at θ + t·v for a unit vector v, with the
// quadratic model L(θ) + t·∇L·v + t²·λ/2 that the eigenvalue λ of v
// predicts.
type LossLine struct {
	Direction string    `json:"direction"`
	T         []float64 `json:"t"`
	Loss      []float64 `json:"loss"`
	Quadratic []float64 `json:"quadratic"`
}

// AnalyzeCheckpoint loads a checkpoint's Hessian (LoadHessian), runs
// hessian.Analyze on it, evaluates the loss along the top eigenvector if
// asked and draws the pictures asked for.
func AnalyzeCheckpoint(ctx context.Context, cfg HessianRunConfig) (*HessianReport, error) {
	switch cfg.Along {
	case "", "top":
	default:
		return nil, fmt.Errorf("hessian: along %q: want top", cfg.Along)
	}
	if cfg.AlongOut != "" && cfg.Along == "" {
		cfg.Along = "top"
	}
	if cfg.AlongPoints == 0 {
		cfg.AlongPoints = 21
	}
	if cfg.AlongRadius == 0 {
		cfg.AlongRadius = 0.5
	}
	if cfg.AlongPoints < 2 || !(cfg.AlongRadius > 0) || math.IsInf(cfg.AlongRadius, 0) {
		return nil, fmt.Errorf("hessian: %d points within ±%v along the top eigenvector: want at least 2 points and a positive finite radius", cfg.AlongPoints, cfg.AlongRadius)
	}
	h, err := LoadHessian(ctx, cfg.HessianConfig)
	if err != nil {
		return nil, err
	}
	ac := cfg.Analyze
	if ac.LR == 0 {
		ac.LR = h.LR
		if ac.Momentum < 0 {
			ac.Momentum = h.Momentum
		}
	}
	ac.Momentum = max(ac.Momentum, 0)
	res, err := hessian.Analyze(ctx, h.Op, ac)
	if err != nil {
		return nil, err
	}
	rep := &HessianReport{Checkpoint: cfg.Checkpoint, Model: h.Spec, Step: h.Step, Data: h.Data, Split: h.Split,
		Examples: h.Examples, LossName: h.LossName, Optimizer: h.Optimizer, Result: res}
	if cfg.Along == "top" {
		ts := make([]float64, cfg.AlongPoints)
		for i := range ts {
			ts[i] = -cfg.AlongRadius + 2*cfg.AlongRadius*float64(i)/float64(cfg.AlongPoints-1)
		}
		losses, err := h.LossAlong(ctx, res.Top[0].Vector, ts)
		if err != nil {
			return nil, err
		}
		g := make([]float64, h.Op.Dim())
		l0, err := h.Op.Gradient(ctx, g)
		if err != nil {
			return nil, err
		}
		top := res.Top[0]
		slope := 0.0
		for i, x := range top.Vector {
			slope += g[i] * x
		}
		quad := make([]float64, len(ts))
		for i, t := range ts {
			quad[i] = l0 + t*slope + t*t*top.Value/2
		}
		rep.Along = &LossLine{Direction: "top", T: ts, Loss: losses, Quadratic: quad}
	}
	if cfg.DensityOut != "" {
		if err := writeDensityPlot(cfg.DensityOut, rep); err != nil {
			return nil, err
		}
	}
	if cfg.AlongOut != "" {
		if err := writeAlongPlot(cfg.AlongOut, rep); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// plotFormat returns the format a picture's file name asks for.
func plotFormat(path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png", ".svg":
		return ext[1:], nil
	default:
		return "", fmt.Errorf("hessian: picture %s: want a .png or .svg file", path)
	}
}

// writeDensityPlot draws the eigenvalue density on a log y axis.
func writeDensityPlot(path string, rep *HessianReport) error {
	format, err := plotFormat(path)
	if err != nil {
		return err
	}
	s := rep.Density
	// Six decades below the peak: the Gaussians' tails fall to zero far
	// from every node, which a log axis cannot show.
	peak := 0.0
	for _, v := range s.Values {
		peak = max(peak, v)
	}
	floor := peak * 1e-6
	ys := make([]float64, len(s.Values))
	for i, v := range s.Values {
		ys[i] = max(v, floor)
	}
	c := plot.LineChart{
		Title:  fmt.Sprintf("Hessian eigenvalues, %s, %d examples", rep.Model, rep.Examples),
		XLabel: "eigenvalue λ", YLabel: "density (Gaussian-broadened)",
		Series: []plot.Series{{X: s.Grid, Y: ys}}, LogY: true,
	}
	if peak > 0 {
		c.YRange = [2]float64{floor, peak * 3}
	}
	return writeAtomic(path, func(w io.Writer) error { return plot.Lines(w, format, c) })
}

// writeAlongPlot draws the loss along the top eigenvector.
func writeAlongPlot(path string, rep *HessianReport) error {
	if rep.Along == nil {
		return fmt.Errorf("hessian: picture %s: the loss along the top eigenvector was not evaluated", path)
	}
	format, err := plotFormat(path)
	if err != nil {
		return err
	}
	c := plot.LineChart{
		Title:  fmt.Sprintf("Loss along the top eigenvector, λmax ≈ %.4g", rep.MaxEigenvalue),
		XLabel: "t (θ + t·v)", YLabel: "loss (" + rep.LossName + ")",
		Series: []plot.Series{{Name: "loss", X: rep.Along.T, Y: rep.Along.Loss},
			{Name: "quadratic model", X: rep.Along.T, Y: rep.Along.Quadratic}},
		Points: true,
	}
	return writeAtomic(path, func(w io.Writer) error { return plot.Lines(w, format, c) })
}
