// Package safetensors reads and writes the safetensors format: an 8-byte
// little-endian header length, a JSON header naming each tensor's dtype,
// shape and byte range, then the raw little-endian data. Files written here
// load in PyTorch's and Hugging Face's safetensors libraries, and theirs
// load here (F32 and F64 tensors; other dtypes are kept as raw bytes).
package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
)

// Tensor is one named tensor. Exactly one of F32, F64 and Raw holds the
// data; Raw keeps tensors of other dtypes byte for byte.
type Tensor struct {
	Name  string
	DType string // "F32", "F64", or any other safetensors dtype for Raw
	Shape []int
	F32   []float32
	F64   []float64
	Raw   []byte
}

// File is a safetensors file in memory: its tensors, in the order written,
// and its string metadata (the header's "__metadata__").
type File struct {
	Tensors  []Tensor
	Metadata map[string]string
}

// Tensor returns the tensor with name, or nil.
func (f *File) Tensor(name string) *Tensor {
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i]
		}
	}
	return nil
}

type entry struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// maxHeader bounds the JSON header, as the reference implementation does.
const maxHeader = 100 << 20

func elemSize(dtype string) int {
	switch dtype {
	case "F64", "I64", "U64":
		return 8
	case "F32", "I32", "U32":
		return 4
	case "F16", "BF16", "I16", "U16":
		return 2
	case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2":
		return 1
	}
	return 0
}

func (t *Tensor) byteLen() (int, error) {
	switch {
	case t.F32 != nil:
		return 4 * len(t.F32), nil
	case t.F64 != nil:
		return 8 * len(t.F64), nil
	}
	return len(t.Raw), nil
}

func (t *Tensor) dtype() string {
	switch {
	case t.F32 != nil:
		return "F32"
	case t.F64 != nil:
		return "F64"
	}
	return t.DType
}

// Write writes f to w.
func Write(w io.Writer, f *File) error {
	header := make(map[string]any, len(f.Tensors)+1)
	if len(f.Metadata) > 0 {
		header["__metadata__"] = f.Metadata
	}
	var off int64
	seen := make(map[string]bool)
	for i := range f.Tensors {
		t := &f.Tensors[i]
		if t.Name == "" || t.Name == "__metadata__" || seen[t.Name] {
			return fmt.Errorf("safetensors: bad or repeated tensor name %q", t.Name)
		}
		seen[t.Name] = true
		n, _ := t.byteLen()
		count := 1
		for _, d := range t.Shape {
			count *= d
		}
		if es := elemSize(t.dtype()); es == 0 || count*es != n {
			return fmt.Errorf("safetensors: tensor %q: shape %v and %d bytes of %s disagree", t.Name, t.Shape, n, t.dtype())
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[t.Name] = entry{DType: t.dtype(), Shape: shape, Offsets: [2]int64{off, off + int64(n)}}
		off += int64(n)
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("safetensors: header: %w", err)
	}
	for len(hj)%8 != 0 { // pad with spaces so the data is 8-byte aligned
		hj = append(hj, ' ')
	}
	var lenbuf [8]byte
	binary.LittleEndian.PutUint64(lenbuf[:], uint64(len(hj)))
	if _, err := w.Write(lenbuf[:]); err != nil {
		return err
	}
	if _, err := w.Write(hj); err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<16)
	flush := func() error {
		_, err := w.Write(buf)
		buf = buf[:0]
		return err
	}
	for i := range f.Tensors {
		t := &f.Tensors[i]
		switch {
		case t.F32 != nil:
			for _, v := range t.F32 {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
				if len(buf) >= 1<<16-8 {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		case t.F64 != nil:
			for _, v := range t.F64 {
				buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
				if len(buf) >= 1<<16-8 {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		default:
			if err := flush(); err != nil {
				return err
			}
			if _, err := w.Write(t.Raw); err != nil {
				return err
			}
		}
	}
	return flush()
}

// Read parses a whole safetensors file from data. It never panics on a
// truncated or lying file: every offset is checked and errors name it.
func Read(data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("safetensors: %d bytes, too short for the header length", len(data))
	}
	hlen := binary.LittleEndian.Uint64(data[:8])
	if hlen > maxHeader || hlen > uint64(len(data)-8) {
		return nil, fmt.Errorf("safetensors: header length %d at offset 0 exceeds the file (%d bytes)", hlen, len(data))
	}
	raw := make(map[string]json.RawMessage)
	if err := json.Unmarshal(data[8:8+hlen], &raw); err != nil {
		return nil, fmt.Errorf("safetensors: header at offset 8: %w", err)
	}
	body := data[8+hlen:]
	f := &File{}
	if m, ok := raw["__metadata__"]; ok {
		if err := json.Unmarshal(m, &f.Metadata); err != nil {
			return nil, fmt.Errorf("safetensors: __metadata__: %w", err)
		}
		delete(raw, "__metadata__")
	}
	names := make([]string, 0, len(raw))
	entries := make(map[string]entry, len(raw))
	for name, r := range raw {
		var e entry
		if err := json.Unmarshal(r, &e); err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
		}
		entries[name] = e
		names = append(names, name)
	}
	// File order: by data offsets (an empty tensor before the one that
	// starts where it does), then by name, so reading is deterministic.
	sort.Slice(names, func(i, j int) bool {
		a, b := entries[names[i]].Offsets, entries[names[j]].Offsets
		if a != b {
			return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
		}
		return names[i] < names[j]
	})
	for _, name := range names {
		e := entries[name]
		es := elemSize(e.DType)
		if es == 0 {
			return nil, fmt.Errorf("safetensors: tensor %q: unknown dtype %q", name, e.DType)
		}
		count := int64(1)
		for _, d := range e.Shape {
			if d < 0 || (d > 0 && count > math.MaxInt32*int64(1024)/int64(d)) {
				return nil, fmt.Errorf("safetensors: tensor %q: bad shape %v", name, e.Shape)
			}
			count *= int64(d)
		}
		lo, hi := e.Offsets[0], e.Offsets[1]
		if lo < 0 || hi < lo || hi > int64(len(body)) || hi-lo != count*int64(es) {
			return nil, fmt.Errorf("safetensors: tensor %q: data offsets [%d, %d] invalid for %v %s in %d data bytes", name, lo, hi, e.Shape, e.DType, len(body))
		}
		b := body[lo:hi]
		t := Tensor{Name: name, DType: e.DType, Shape: e.Shape}
		switch e.DType {
		case "F32":
			t.F32 = make([]float32, count)
			for i := range t.F32 {
				t.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
			}
		case "F64":
			t.F64 = make([]float64, count)
			for i := range t.F64 {
				t.F64[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
			}
		default:
			t.Raw = append([]byte(nil), b...)
		}
		f.Tensors = append(f.Tensors, t)
	}
	return f, nil
}

// ReadFrom reads a whole safetensors stream.
func ReadFrom(r io.Reader) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return Read(data)
}

// ErrNotFound is returned when a tensor a caller needs is missing.
var ErrNotFound = errors.New("tensor not found")
