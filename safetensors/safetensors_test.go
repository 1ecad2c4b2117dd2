package safetensors

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

func sample() *File {
	return &File{
		Metadata: map[string]string{"format": "pt", "note": "x"},
		Tensors: []Tensor{
			{Name: "w", Shape: []int{2, 3}, F32: []float32{1, -2, 3.5, float32(math.Inf(1)), 0, -0.25}},
			{Name: "b", Shape: []int{3}, F64: []float64{math.Pi, -1e-300, math.NaN()}},
			{Name: "empty", Shape: []int{0}, F32: []float32{}},
			{Name: "scalar", Shape: []int{}, F64: []float64{7}},
			{Name: "ids", DType: "I64", Shape: []int{2}, Raw: []byte{1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, sample()); err != nil {
		t.Fatal(err)
	}
	hlen := binary.LittleEndian.Uint64(b.Bytes()[:8])
	if (8+hlen)%8 != 0 {
		t.Errorf("data starts at %d, not 8-byte aligned", 8+hlen)
	}
	f, err := Read(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if f.Metadata["format"] != "pt" || f.Metadata["note"] != "x" {
		t.Errorf("metadata %v", f.Metadata)
	}
	want := sample()
	if len(f.Tensors) != len(want.Tensors) {
		t.Fatalf("%d tensors, want %d", len(f.Tensors), len(want.Tensors))
	}
	for i, w := range want.Tensors {
		g := f.Tensors[i] // in file order
		if g.Name != w.Name {
			t.Fatalf("tensor %d is %q, want %q", i, g.Name, w.Name)
		}
		for j := range w.F32 {
			if math.Float32bits(g.F32[j]) != math.Float32bits(w.F32[j]) {
				t.Errorf("%s[%d] = %v, want %v", w.Name, j, g.F32[j], w.F32[j])
			}
		}
		for j := range w.F64 {
			if math.Float64bits(g.F64[j]) != math.Float64bits(w.F64[j]) {
				t.Errorf("%s[%d] = %v, want %v", w.Name, j, g.F64[j], w.F64[j])
			}
		}
		if !bytes.Equal(g.Raw, w.Raw) {
			t.Errorf("%s raw %v, want %v", w.Name, g.Raw, w.Raw)
		}
	}
	if f.Tensor("b") == nil || f.Tensor("nope") != nil {
		t.Error("Tensor lookup")
	}
}

func TestWriteRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    File
		want string
	}{
		{"shape mismatch", File{Tensors: []Tensor{{Name: "a", Shape: []int{3}, F32: []float32{1, 2}}}}, "disagree"},
		{"repeated name", File{Tensors: []Tensor{{Name: "a", Shape: []int{1}, F32: []float32{1}}, {Name: "a", Shape: []int{1}, F32: []float32{1}}}}, "repeated"},
		{"reserved name", File{Tensors: []Tensor{{Name: "__metadata__", Shape: []int{1}, F32: []float32{1}}}}, "bad"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Write(&bytes.Buffer{}, &tc.f)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestReadCorrupt(t *testing.T) {
	var b bytes.Buffer
	Write(&b, sample())
	good := b.Bytes()
	for cut := 0; cut < len(good); cut++ {
		if _, err := Read(good[:cut]); err == nil {
			t.Fatalf("file cut at %d of %d bytes accepted", cut, len(good))
		}
	}
	lying := bytes.Clone(good)
	binary.LittleEndian.PutUint64(lying, 1<<40)
	if _, err := Read(lying); err == nil || !strings.Contains(err.Error(), "header length") {
		t.Fatalf("lying header length: %v", err)
	}
	for _, hdr := range []string{
		`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`,
		`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`,
		`{"a":{"dtype":"Q9","shape":[1],"data_offsets":[0,4]}}`,
		`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`,
		`{"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}}`,
		`{"a":1}`,
		`[]`,
	} {
		file := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
		file = append(file, hdr...)
		file = append(file, 0, 0, 0, 0)
		if _, err := Read(file); err == nil {
			t.Errorf("header %s accepted", hdr)
		}
	}
}

func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	Write(&b, sample())
	f.Add(b.Bytes())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(data)
		if err != nil {
			return
		}
		// What reads must write and read back the same.
		var out bytes.Buffer
		if err := Write(&out, file); err != nil {
			return // e.g. raw tensors of an unknown dtype
		}
		if _, err := Read(out.Bytes()); err != nil {
			t.Fatalf("re-read: %v", err)
		}
	})
}
