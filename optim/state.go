package optim

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/descent-ml/descent/safetensors"
)

// State is one parameter's optimizer state, named as PyTorch names it:
// Step is state["step"], buffers such as "exp_avg" hold []float32 or
// []float64 (the parameter's type), and scalars such as ASGD's "eta".
type State struct {
	Step    int64
	names   []string
	bufs    []any
	Scalars map[string]float64
}

// Buf returns the buffer called name, or nil.
func (s *State) Buf(name string) any {
	for i, n := range s.names {
		if n == name {
			return s.bufs[i]
		}
	}
	return nil
}

// BufNames lists the state's buffers in the order they were made.
func (s *State) BufNames() []string { return slices.Clone(s.names) }

// SetBuf stores buffer b ([]float32 or []float64) under name.
func (s *State) SetBuf(name string, b any) {
	for i, n := range s.names {
		if n == name {
			s.bufs[i] = b
			return
		}
	}
	s.names = append(s.names, name)
	s.bufs = append(s.bufs, b)
}

// DeleteBuf removes buffer name.
func (s *State) DeleteBuf(name string) {
	for i, n := range s.names {
		if n == name {
			s.names = slices.Delete(s.names, i, i+1)
			s.bufs = slices.Delete(s.bufs, i, i+1)
			return
		}
	}
}

// Scalar returns scalar name (0 when absent).
func (s *State) Scalar(name string) float64 { return s.Scalars[name] }

// SetScalar stores scalar name.
func (s *State) SetScalar(name string, v float64) {
	if s.Scalars == nil {
		s.Scalars = make(map[string]float64)
	}
	s.Scalars[name] = v
}

// buf returns buffer name of type []T and length n, making it (filled with
// init) on first use.
func buf[T Float](s *State, name string, n int, init T) []T {
	if b, ok := s.Buf(name).([]T); ok && len(b) == n {
		return b
	}
	b := make([]T, n)
	if init != 0 {
		for i := range b {
			b[i] = init
		}
	}
	s.SetBuf(name, b)
	return b
}

func (s *State) clone() *State {
	c := &State{Step: s.Step, names: slices.Clone(s.names)}
	for _, b := range s.bufs {
		switch b := b.(type) {
		case []float32:
			c.bufs = append(c.bufs, slices.Clone(b))
		case []float64:
			c.bufs = append(c.bufs, slices.Clone(b))
		default:
			c.bufs = append(c.bufs, b)
		}
	}
	if s.Scalars != nil {
		c.Scalars = make(map[string]float64, len(s.Scalars))
		for k, v := range s.Scalars {
			c.Scalars[k] = v
		}
	}
	return c
}

// StateDict is an optimizer's whole state, as PyTorch's state_dict():
// every group's hyperparameters and parameter indices (counted across
// groups in order), and each parameter's State by index. Extra carries
// the state of things saved with the optimizer (a schedule, gradient
// accumulation) as JSON by name.
type StateDict struct {
	Optimizer string
	Groups    []GroupState
	State     map[int]*State
	Skipped   int
	Extra     map[string]json.RawMessage
	// Shapes records each parameter's dtype and length, by index, to
	// refuse loading into a different model.
	Params []ParamInfo
}

// GroupState is one group in a StateDict.
type GroupState struct {
	Hyper  json.RawMessage `json:"hyper"`
	Params []int           `json:"params"`
}

// ParamInfo describes a parameter in a StateDict.
type ParamInfo struct {
	Name  string `json:"name"`
	DType string `json:"dtype"`
	Len   int    `json:"len"`
}

// StateDict returns a deep copy of the optimizer's state.
func (o *core[C]) StateDict() *StateDict {
	sd := &StateDict{Optimizer: o.name, State: make(map[int]*State), Skipped: o.skipped}
	idx := 0
	for _, g := range o.groups {
		h, err := json.Marshal(g.Config)
		if err != nil {
			panic(fmt.Sprintf("optim: %s config does not encode: %v", o.name, err))
		}
		gs := GroupState{Hyper: h}
		for _, p := range g.Params {
			gs.Params = append(gs.Params, idx)
			sd.Params = append(sd.Params, ParamInfo{Name: p.Name, DType: p.DType().String(), Len: p.Len()})
			if s := o.state[p]; s != nil {
				sd.State[idx] = s.clone()
			}
			idx++
		}
		sd.Groups = append(sd.Groups, gs)
	}
	return sd
}

// LoadStateDict replaces the optimizer's hyperparameters and state by a copy
// of sd's. The optimizer must have the same groups over parameters of the
// same types and lengths.
func (o *core[C]) LoadStateDict(sd *StateDict) error {
	groups, state, err := o.checkStateDict(sd)
	if err != nil {
		return err
	}
	for i := range o.groups {
		o.groups[i].Config = groups[i]
	}
	o.state = state
	o.skipped = sd.Skipped
	return nil
}

func (o *core[C]) checkStateDict(sd *StateDict) ([]C, map[*Param]*State, error) {
	if sd.Optimizer != o.name {
		return nil, nil, fmt.Errorf("load state: saved by %s, not %s", sd.Optimizer, o.name)
	}
	if len(sd.Groups) != len(o.groups) {
		return nil, nil, fmt.Errorf("load state: %d parameter groups saved, optimizer has %d", len(sd.Groups), len(o.groups))
	}
	var params []*Param
	cfgs := make([]C, len(o.groups))
	for gi, g := range o.groups {
		if len(sd.Groups[gi].Params) != len(g.Params) {
			return nil, nil, fmt.Errorf("load state: group %d has %d parameters saved, optimizer has %d", gi, len(sd.Groups[gi].Params), len(g.Params))
		}
		// The saved config was resolved when it was made, and a schedule
		// may since have set values no constructor would take (an lr of
		// exactly 0, or below 0 at the end of a linear one-cycle), so it is
		// restored as saved, over the current config, without defaults.
		cfgs[gi] = g.Config
		if err := json.Unmarshal(sd.Groups[gi].Hyper, &cfgs[gi]); err != nil {
			return nil, nil, fmt.Errorf("load state: group %d hyperparameters: %w", gi, err)
		}
		params = append(params, g.Params...)
	}
	if len(sd.Params) != 0 && len(sd.Params) != len(params) {
		return nil, nil, fmt.Errorf("load state: %d parameters saved, optimizer has %d", len(sd.Params), len(params))
	}
	for i, info := range sd.Params {
		p := params[i]
		if info.DType != p.DType().String() || info.Len != p.Len() {
			return nil, nil, fmt.Errorf("load state: parameter %d (%q) saved as %s[%d], optimizer has %q %s[%d]", i, info.Name, info.DType, info.Len, p.Name, p.DType(), p.Len())
		}
	}
	state := make(map[*Param]*State)
	for i, s := range sd.State {
		if i < 0 || i >= len(params) {
			return nil, nil, fmt.Errorf("load state: state for parameter %d, optimizer has %d", i, len(params))
		}
		p := params[i]
		for bi, b := range s.bufs {
			var n int
			var ok bool
			switch b := b.(type) {
			case []float32:
				n, ok = len(b), p.DType() == Float32
			case []float64:
				n, ok = len(b), p.DType() == Float64
			}
			if !ok {
				return nil, nil, fmt.Errorf("load state: parameter %d (%q): buffer %q has the wrong type for %s", i, p.Name, s.names[bi], p.DType())
			}
			if n != p.Len() && !strings.Contains(s.names[bi], "/") {
				return nil, nil, fmt.Errorf("load state: parameter %d (%q): buffer %q has %d values, parameter %d", i, p.Name, s.names[bi], n, p.Len())
			}
		}
		state[p] = s.clone()
	}
	return cfgs, state, nil
}

// FormatVersion is the version of the optimizer state file format.
const FormatVersion = 1

// header is the JSON stored under the "descent.optim" metadata key of a
// state file.
type header struct {
	Format    string                     `json:"format"`
	Version   int                        `json:"version"`
	Optimizer string                     `json:"optimizer"`
	Groups    []GroupState               `json:"groups"`
	Params    []ParamInfo                `json:"params"`
	Skipped   int                        `json:"skipped,omitempty"`
	State     map[string]stateHeader     `json:"state"`
	Extra     map[string]json.RawMessage `json:"extra,omitempty"`
}

type stateHeader struct {
	Step    int64              `json:"step"`
	Bufs    []string           `json:"buffers,omitempty"`
	Scalars map[string]floatJS `json:"scalars,omitempty"`
}

// floatJS is a float64 that survives JSON exactly, NaN and ±Inf included
// (as strings).
type floatJS float64

func (f floatJS) MarshalJSON() ([]byte, error) {
	x := float64(f)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return []byte(strconv.Quote(strconv.FormatFloat(x, 'g', -1, 64))), nil
	}
	return []byte(strconv.FormatFloat(x, 'g', -1, 64)), nil
}

func (f *floatJS) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("bad number %s", b)
	}
	*f = floatJS(x)
	return nil
}

const metaKey = "descent.optim"

// Write stores sd in safetensors form: every buffer is a tensor named
// "state.INDEX.BUFFER", and the metadata key "descent.optim" holds a JSON
// header with the format version, the optimizer, each group's
// hyperparameters and each parameter's step and scalars. Any safetensors
// reader can open it.
func (sd *StateDict) Write(w io.Writer) error {
	h := header{Format: "descent-optimizer-state", Version: FormatVersion, Optimizer: sd.Optimizer,
		Groups: sd.Groups, Params: sd.Params, Skipped: sd.Skipped, State: map[string]stateHeader{}, Extra: sd.Extra}
	f := &safetensors.File{Metadata: map[string]string{}}
	idx := make([]int, 0, len(sd.State))
	for i := range sd.State {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	for _, i := range idx {
		s := sd.State[i]
		sh := stateHeader{Step: s.Step, Bufs: slices.Clone(s.names)}
		if len(s.Scalars) > 0 {
			sh.Scalars = make(map[string]floatJS, len(s.Scalars))
			for k, v := range s.Scalars {
				sh.Scalars[k] = floatJS(v)
			}
		}
		h.State[strconv.Itoa(i)] = sh
		for bi, name := range s.names {
			t := safetensors.Tensor{Name: fmt.Sprintf("state.%d.%s", i, name)}
			switch b := s.bufs[bi].(type) {
			case []float32:
				t.F32, t.Shape = b, []int{len(b)}
				if b == nil {
					t.F32 = []float32{}
				}
			case []float64:
				t.F64, t.Shape = b, []int{len(b)}
				if b == nil {
					t.F64 = []float64{}
				}
			default:
				return fmt.Errorf("write optimizer state: buffer %q of parameter %d has type %T", name, i, b)
			}
			f.Tensors = append(f.Tensors, t)
		}
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("write optimizer state: %w", err)
	}
	f.Metadata[metaKey] = string(hj)
	return safetensors.Write(w, f)
}

// ReadStateDict parses a state file written by StateDict.Write.
func ReadStateDict(r io.Reader) (*StateDict, error) {
	f, err := safetensors.ReadFrom(r)
	if err != nil {
		return nil, fmt.Errorf("read optimizer state: %w", err)
	}
	hs, ok := f.Metadata[metaKey]
	if !ok {
		return nil, fmt.Errorf("read optimizer state: no %q metadata: not a descent optimizer state file", metaKey)
	}
	var h header
	if err := json.Unmarshal([]byte(hs), &h); err != nil {
		return nil, fmt.Errorf("read optimizer state: header: %w", err)
	}
	if h.Version < 1 || h.Version > FormatVersion {
		return nil, fmt.Errorf("read optimizer state: format version %d, this descent reads 1 to %d", h.Version, FormatVersion)
	}
	sd := &StateDict{Optimizer: h.Optimizer, Groups: h.Groups, Params: h.Params, Skipped: h.Skipped,
		State: make(map[int]*State), Extra: h.Extra}
	for key, sh := range h.State {
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 {
			return nil, fmt.Errorf("read optimizer state: bad parameter index %q", key)
		}
		s := &State{Step: sh.Step}
		for k, v := range sh.Scalars {
			s.SetScalar(k, float64(v))
		}
		for _, name := range sh.Bufs {
			t := f.Tensor(fmt.Sprintf("state.%d.%s", i, name))
			if t == nil {
				return nil, fmt.Errorf("read optimizer state: tensor state.%d.%s is missing", i, name)
			}
			switch {
			case t.F32 != nil:
				s.SetBuf(name, t.F32)
			case t.F64 != nil:
				s.SetBuf(name, t.F64)
			default:
				return nil, fmt.Errorf("read optimizer state: tensor state.%d.%s has dtype %s, want F32 or F64", i, name, t.DType)
			}
		}
		sd.State[i] = s
	}
	return sd, nil
}

// SaveFile writes sd to path atomically: to a temporary file in the same
// folder, synced, then renamed over path, so a crash leaves either the old
// file or the new one.
func (sd *StateDict) SaveFile(path string) error {
	return WriteFileAtomic(path, sd.Write)
}

// LoadFile reads a state file written by SaveFile.
func LoadFile(path string) (*StateDict, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load optimizer state: %w", err)
	}
	defer f.Close()
	sd, err := ReadStateDict(f)
	if err != nil {
		return nil, fmt.Errorf("load optimizer state %s: %w", path, err)
	}
	return sd, nil
}

// WriteFileAtomic calls write on a temporary file beside path, syncs it and
// renames it to path.
func WriteFileAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp makes it 0600
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := write(tmp); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	ok = true
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
