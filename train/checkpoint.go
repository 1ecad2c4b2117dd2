package train

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/descent-ml/descent/data"
	"github.com/descent-ml/descent/nn"
	"github.com/descent-ml/descent/optim"
	"github.com/descent-ml/descent/safetensors"
)

// The files of a checkpoint directory (Config.Out).
const (
	// ManifestFile names the latest complete checkpoint: its step
	// directory and the SHA-256 of each of its files. It is written last.
	ManifestFile = "checkpoint.json"
	// ModelFile holds the model's parameters and buffers as safetensors,
	// under PyTorch's state_dict names. The copy at the top of Out is the
	// latest checkpoint's (a hard link where the file system allows).
	ModelFile = "model.safetensors"
	// OptimizerFile holds the optimizer's state (optim.StateDict), with
	// the schedule's in its Extra map.
	OptimizerFile = "optimizer.safetensors"
	// StateFile holds the training loop's state as JSON: the
	// configuration, normalization, loader position and counters.
	StateFile = "state.json"
	// MetricsJSONL and MetricsCSV hold one row per log point and
	// evaluation.
	MetricsJSONL = "metrics.jsonl"
	MetricsCSV   = "metrics.csv"
	// LossPlot and AccuracyPlot are the curves, drawn when a run ends.
	LossPlot     = "loss.png"
	AccuracyPlot = "accuracy.png"
)

const (
	manifestFormat  = "descent.train.checkpoint"
	manifestVersion = 1
	stepDirPrefix   = "step-"
)

// manifest is the content of ManifestFile.
type manifest struct {
	Format  string      `json:"format"`
	Version int         `json:"version"`
	Step    int         `json:"step"`
	Dir     string      `json:"dir"`
	Files   []fileEntry `json:"files"`
}

type fileEntry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// acc is a running sum of training losses.
type acc struct {
	Sum float64 `json:"sum"`
	N   int     `json:"n"`
}

func (a *acc) add(v float64) { a.Sum += v; a.N++ }

func (a acc) mean() (float64, bool) {
	if a.N == 0 {
		return 0, false
	}
	return a.Sum / float64(a.N), true
}

// loopState is the content of StateFile.
type loopState struct {
	Format        string           `json:"format"`
	Version       int              `json:"version"`
	Config        Config           `json:"config"`
	Stats         *data.Stats      `json:"stats,omitempty"`
	Params        int              `json:"params"`
	Step          int              `json:"step"`
	Batches       int              `json:"batches"`
	Loader        data.LoaderState `json:"loader"`
	TrainS        float64          `json:"train_s"`
	EvalS         float64          `json:"eval_s"`
	SinceEval     acc              `json:"since_eval"`
	SinceLog      acc              `json:"since_log"`
	LastEval      int              `json:"last_eval_step"`
	LastLog       int              `json:"last_log_step"`
	LastLoss      *float64         `json:"last_loss"`
	TimeToTarget  *float64         `json:"time_to_target_s"`
	StepsToTarget *int             `json:"steps_to_target"`
	// SnapshotEnd is the step of the trajectory's snapshot that was
	// saved only because the session ended there (0: none).
	SnapshotEnd int   `json:"snapshot_end,omitempty"`
	Metrics     []Row `json:"metrics"`
}

const stateFormat = "descent.train.state"

// hashWriter counts and hashes what goes through it.
type hashWriter struct {
	w io.Writer
	h hashState
	n int64
}

type hashState interface {
	io.Writer
	Sum([]byte) []byte
}

// Write writes p on and adds it to the hash and the count.
func (hw *hashWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	hw.n += int64(n)
	return n, err
}

// writeAtomic writes path as optim.WriteFileAtomic does (a temporary
// file, synced, renamed over path), readable by all as files usually are.
func writeAtomic(path string, write func(io.Writer) error) error {
	return optim.WriteFileAtomic(path, func(w io.Writer) error {
		if f, ok := w.(*os.File); ok {
			if err := f.Chmod(0o644); err != nil {
				return err
			}
		}
		return write(w)
	})
}

// writeFile writes path atomically and returns its manifest entry.
func writeFile(path string, write func(io.Writer) error) (fileEntry, error) {
	var e fileEntry
	err := writeAtomic(path, func(w io.Writer) error {
		hw := &hashWriter{w: w, h: sha256.New()}
		if err := write(hw); err != nil {
			return err
		}
		e = fileEntry{Name: filepath.Base(path), Size: hw.n, SHA256: hex.EncodeToString(hw.h.Sum(nil))}
		return nil
	})
	return e, err
}

// modelFile returns m's state as a safetensors file.
func modelFile(m nn.Module[float32], spec string) *safetensors.File {
	f := &safetensors.File{Metadata: map[string]string{"format": "pt", "descent.model": spec}}
	for _, nt := range nn.StateDict(m) {
		f.Tensors = append(f.Tensors, safetensors.Tensor{Name: nt.Name, DType: "F32",
			Shape: append([]int(nil), nt.Tensor.Shape...), F32: nt.Tensor.Data})
	}
	return f
}

// saveCheckpoint writes a checkpoint into out: a fresh step directory
// with the model, the optimizer state and the loop state, then the
// manifest naming it, then the top-level model file; last it removes the
// older step directories. It returns the step directory.
func saveCheckpoint(out string, net *Net, sd *optim.StateDict, st *loopState) (string, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	dir, err := os.MkdirTemp(out, fmt.Sprintf("%s%08d-", stepDirPrefix, st.Step))
	if err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(dir)
		}
	}()
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	var files []fileEntry
	e, err := writeFile(filepath.Join(dir, ModelFile), func(w io.Writer) error {
		return safetensors.Write(w, modelFile(net.Module, net.Spec))
	})
	if err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	files = append(files, e)
	if e, err = writeFile(filepath.Join(dir, OptimizerFile), sd.Write); err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	files = append(files, e)
	if e, err = writeFile(filepath.Join(dir, StateFile), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}); err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	files = append(files, e)
	syncDir(dir)
	man := manifest{Format: manifestFormat, Version: manifestVersion, Step: st.Step, Dir: filepath.Base(dir), Files: files}
	if _, err := writeFile(filepath.Join(out, ManifestFile), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(man)
	}); err != nil {
		return "", fmt.Errorf("checkpoint: %w", err)
	}
	ok = true
	if err := publishModel(out, dir); err != nil {
		return dir, fmt.Errorf("checkpoint: %w", err)
	}
	removeOldSteps(out, filepath.Base(dir))
	return dir, nil
}

// syncDir flushes a directory's entries, where the system allows.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// publishModel puts the step directory's model at the top of out, by a
// hard link renamed into place (a copy where links are refused).
func publishModel(out, dir string) error {
	src := filepath.Join(dir, ModelFile)
	dst := filepath.Join(out, ModelFile)
	tmp := filepath.Join(out, "."+ModelFile+".link")
	os.Remove(tmp)
	if err := os.Link(src, tmp); err == nil {
		if err := os.Rename(tmp, dst); err != nil {
			os.Remove(tmp)
			return err
		}
		syncDir(out)
		return nil
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return writeAtomic(dst, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// removeOldSteps removes the step directories of out other than keep:
// older checkpoints and any a crash left half-written.
func removeOldSteps(out, keep string) {
	entries, err := os.ReadDir(out)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), stepDirPrefix) && e.Name() != keep {
			os.RemoveAll(filepath.Join(out, e.Name()))
		}
	}
}

// checkpoint is a checkpoint read back: its verified files.
type checkpoint struct {
	dir   string
	state loopState
	model []byte
	optim []byte
}

// ErrNoCheckpoint is returned (wrapped) when a directory holds no
// checkpoint.
var ErrNoCheckpoint = errors.New("no checkpoint")

// readCheckpoint reads the checkpoint the manifest in dir names and
// checks every file against the manifest's size and SHA-256.
func readCheckpoint(dir string) (*checkpoint, error) {
	mpath := filepath.Join(dir, ManifestFile)
	b, err := os.ReadFile(mpath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("checkpoint %s: %w (no %s: is it a run's --out directory?)", dir, ErrNoCheckpoint, ManifestFile)
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	var man manifest
	if err := json.Unmarshal(b, &man); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %s is not a manifest: %w", dir, mpath, err)
	}
	if man.Format != manifestFormat || man.Version != manifestVersion {
		return nil, fmt.Errorf("checkpoint %s: %s has format %q version %d, want %q version %d",
			dir, mpath, man.Format, man.Version, manifestFormat, manifestVersion)
	}
	if man.Dir == "" || filepath.Base(man.Dir) != man.Dir || !strings.HasPrefix(man.Dir, stepDirPrefix) {
		return nil, fmt.Errorf("checkpoint %s: %s names step directory %q, want %sNNNNNNNN-… inside %s", dir, mpath, man.Dir, stepDirPrefix, dir)
	}
	ck := &checkpoint{dir: filepath.Join(dir, man.Dir)}
	want := map[string]*[]byte{ModelFile: &ck.model, OptimizerFile: &ck.optim}
	var stateBytes []byte
	want[StateFile] = &stateBytes
	for _, f := range man.Files {
		dst, ok := want[f.Name]
		if !ok {
			return nil, fmt.Errorf("checkpoint %s: %s lists an unknown file %q", dir, mpath, f.Name)
		}
		p := filepath.Join(ck.dir, f.Name)
		fb, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("checkpoint %s: %w", dir, err)
		}
		sum := sha256.Sum256(fb)
		if int64(len(fb)) != f.Size || hex.EncodeToString(sum[:]) != f.SHA256 {
			return nil, fmt.Errorf("checkpoint %s: %s is corrupt: %d bytes with SHA-256 %x, the manifest says %d bytes with %s",
				dir, p, len(fb), sum[:6], f.Size, shortHash(f.SHA256))
		}
		*dst = fb
		delete(want, f.Name)
	}
	for name := range want {
		return nil, fmt.Errorf("checkpoint %s: %s does not list %s", dir, mpath, name)
	}
	if err := json.Unmarshal(stateBytes, &ck.state); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %s: %w", dir, filepath.Join(ck.dir, StateFile), err)
	}
	if ck.state.Format != stateFormat {
		return nil, fmt.Errorf("checkpoint %s: %s has format %q, want %q", dir, StateFile, ck.state.Format, stateFormat)
	}
	if ck.state.Step != man.Step {
		return nil, fmt.Errorf("checkpoint %s: the manifest is for step %d, %s for step %d", dir, man.Step, StateFile, ck.state.Step)
	}
	return ck, nil
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// loadModel copies the checkpoint's weights into net, strictly: every
// tensor of the model present with its shape, and nothing else.
func (ck *checkpoint) loadModel(net *Net) error {
	path := filepath.Join(ck.dir, ModelFile)
	f, err := safetensors.Read(ck.model)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := loadState(net, f); err != nil {
		return fmt.Errorf("checkpoint %s does not fit model %s: %w", path, net.Spec, err)
	}
	return nil
}

// optimizerState parses the checkpoint's optimizer state.
func (ck *checkpoint) optimizerState() (*optim.StateDict, error) {
	sd, err := optim.ReadStateDict(bytes.NewReader(ck.optim))
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", filepath.Join(ck.dir, OptimizerFile), err)
	}
	return sd, nil
}

// dataConfig is the data a checkpoint was trained on (with its validation
// split), or data when it names another set; label overrides the label
// column.
func (ck *checkpoint) dataConfig(data, label string) Config {
	saved := ck.state.Config
	dcfg := Config{Data: saved.Data, Label: saved.Label, Val: saved.Val, Seed: saved.Seed}
	if data != "" && data != saved.Data {
		dcfg = Config{Data: data, Label: label, Seed: saved.Seed}
	} else if label != "" {
		dcfg.Label = label
	}
	return dcfg
}

// pickSplit returns the examples split names (test, val, train or all)
// and the split's name; an empty split means def, and "test" falls back to
// all the examples when the data has no test split.
func pickSplit(ctx context.Context, splits *Splits, dcfg Config, stats *data.Stats, split, def string) (*data.Dataset, string, error) {
	fallback := split == ""
	if fallback {
		split = def
	}
	switch split {
	case "test":
		if splits.Test != nil {
			return splits.Test, split, nil
		}
		if !fallback {
			return nil, split, fmt.Errorf("data %s has no test split (want split all or train)", dcfg.Data)
		}
		split = "all"
	case "val":
		if splits.Val == nil {
			return nil, split, fmt.Errorf("data %s has no validation split (the checkpoint was trained without --val on it)", dcfg.Data)
		}
		return splits.Val, split, nil
	case "train":
		return splits.Train, split, nil
	case "all":
	default:
		return nil, split, fmt.Errorf("split %q: want one of %s", split, strings.Join(EvalSplits, ", "))
	}
	ds, err := allExamples(ctx, splits, dcfg, stats)
	return ds, split, err
}
