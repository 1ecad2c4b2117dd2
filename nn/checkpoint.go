package nn

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/descent-ml/descent/safetensors"
	"github.com/descent-ml/descent/tensor"
)

// SaveFile writes m's state (StateDict) to path as safetensors, one tensor
// per parameter and buffer under PyTorch's names, so the file loads as a
// PyTorch state dict. It writes a temporary file, syncs it and renames it
// over path.
func SaveFile[T tensor.Float](path string, m Module[T]) error {
	f := &safetensors.File{}
	for _, nt := range StateDict(m) {
		st := safetensors.Tensor{Name: nt.Name, Shape: append([]int(nil), nt.Tensor.Shape...)}
		switch d := any(nt.Tensor.Data).(type) {
		case []float32:
			st.DType, st.F32 = "F32", d
		case []float64:
			st.DType, st.F64 = "F64", d
		}
		f.Tensors = append(f.Tensors, st)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp makes it 0600
		tmp.Close()
		return err
	}
	if err := safetensors.Write(tmp, f); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// LoadFile reads a state written by SaveFile (or any safetensors file with
// m's names, shapes and element type) into m, strictly as LoadStateDict.
func LoadFile[T tensor.Float](path string, m Module[T]) error {
	r, err := os.Open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	f, err := safetensors.ReadFrom(r)
	if err != nil {
		return fmt.Errorf("nn: %s: %w", path, err)
	}
	state := make([]NamedTensor[T], 0, len(f.Tensors))
	for _, st := range f.Tensors {
		var data []T
		switch any(data).(type) {
		case []float32:
			if st.F32 == nil {
				return fmt.Errorf("nn: %s: tensor %q is %s, want F32", path, st.Name, st.DType)
			}
			data = any(st.F32).([]T)
		case []float64:
			if st.F64 == nil {
				return fmt.Errorf("nn: %s: tensor %q is %s, want F64", path, st.Name, st.DType)
			}
			data = any(st.F64).([]T)
		}
		state = append(state, NamedTensor[T]{Name: st.Name, Tensor: &tensor.Tensor[T]{Shape: st.Shape, Data: data}})
	}
	if err := LoadStateDict(m, state); err != nil {
		return fmt.Errorf("%w (loading %s)", err, path)
	}
	return nil
}
