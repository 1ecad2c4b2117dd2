package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// idxBytes builds an IDX file: magic, element type, dimensions, payload.
func idxBytes(t IDXType, dims []uint32, payload []byte) []byte {
	b := []byte{0, 0, byte(t), byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, d)
	}
	return append(b, payload...)
}

// gzipBytes compresses b.
func gzipBytes(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// writeFile writes b to dir/name and returns the path.
func writeFile(tb testing.TB, dir, name string, b []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

func TestReadIDXTypes(t *testing.T) {
	be16 := func(v ...int16) []byte {
		var b []byte
		for _, x := range v {
			b = binary.BigEndian.AppendUint16(b, uint16(x))
		}
		return b
	}
	be32 := func(v ...int32) []byte {
		var b []byte
		for _, x := range v {
			b = binary.BigEndian.AppendUint32(b, uint32(x))
		}
		return b
	}
	f32 := func(v ...float32) []byte {
		var b []byte
		for _, x := range v {
			b = binary.BigEndian.AppendUint32(b, math.Float32bits(x))
		}
		return b
	}
	f64 := func(v ...float64) []byte {
		var b []byte
		for _, x := range v {
			b = binary.BigEndian.AppendUint64(b, math.Float64bits(x))
		}
		return b
	}
	tests := []struct {
		name    string
		typ     IDXType
		dims    []uint32
		payload []byte
		want    []float32
		ints    bool
	}{
		{"uint8", IDXUint8, []uint32{2, 2}, []byte{0, 1, 128, 255}, []float32{0, 1, 128, 255}, true},
		{"int8", IDXInt8, []uint32{3}, []byte{0x80, 0xff, 0x7f}, []float32{-128, -1, 127}, true},
		{"int16", IDXInt16, []uint32{3}, be16(-300, 0, 32767), []float32{-300, 0, 32767}, true},
		{"int32", IDXInt32, []uint32{1, 3}, be32(-70000, 1, 1<<30), []float32{-70000, 1, 1 << 30}, true},
		{"float32", IDXFloat32, []uint32{2}, f32(0.5, -1.25), []float32{0.5, -1.25}, false},
		{"float64", IDXFloat64, []uint32{2, 1, 1}, f64(3.5, 1e-3), []float32{3.5, 1e-3}, false},
		{"zero-dim", IDXUint8, []uint32{0, 28, 28}, nil, []float32{}, true},
	}
	for _, tc := range tests {
		for _, gz := range []bool{false, true} {
			name := tc.name
			b := idxBytes(tc.typ, tc.dims, tc.payload)
			if gz {
				name += "/gzip"
				b = gzipBytes(t, b)
			}
			t.Run(name, func(t *testing.T) {
				m, err := ReadIDX(bytes.NewReader(b), "x.idx")
				if err != nil {
					t.Fatal(err)
				}
				if m.Type != tc.typ || len(m.Dims) != len(tc.dims) {
					t.Fatalf("type %v dims %v, want %v %v", m.Type, m.Dims, tc.typ, tc.dims)
				}
				for i, d := range tc.dims {
					if m.Dims[i] != int(d) {
						t.Fatalf("dims %v, want %v", m.Dims, tc.dims)
					}
				}
				got := m.Float32s()
				if len(got) != len(tc.want) || m.Len() != len(tc.want) {
					t.Fatalf("%d values (Len %d), want %d", len(got), m.Len(), len(tc.want))
				}
				for i := range got {
					if got[i] != tc.want[i] {
						t.Errorf("value %d = %g, want %g", i, got[i], tc.want[i])
					}
					v, ok := m.Int(i)
					if ok != tc.ints || ok && float32(v) != tc.want[i] {
						t.Errorf("Int(%d) = %d, %v; want %g, %v", i, v, ok, tc.want[i], tc.ints)
					}
				}
				if _, ok := m.Int(len(got)); ok {
					t.Error("Int past the end reported ok")
				}
			})
		}
	}
}

func TestReadIDXErrors(t *testing.T) {
	valid := idxBytes(IDXUint8, []uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	tests := []struct {
		name   string
		input  []byte
		offset string // "offset N" expected in the message (a regular expression)
		msg    string // another fragment expected in the message
	}{
		{"empty", nil, "offset 0", "file ends in the 4-byte magic number"},
		{"short magic", []byte{0, 0, 8}, "offset 3", "file ends in the 4-byte magic number"},
		{"bad magic", []byte{0x50, 0x4b, 3, 4, 0, 0, 0, 0}, "offset 0", "bad magic number 504b0304"},
		{"one zero byte magic", []byte{0, 1, 8, 1, 0, 0, 0, 0}, "offset 0", "bad magic"},
		{"unsupported type", []byte{0, 0, 0x0a, 1, 0, 0, 0, 1, 7}, "offset 2", "unsupported element type 0x0a"},
		{"zero dims", []byte{0, 0, 8, 0}, "offset 3", "zero dimensions"},
		{"truncated dims", idxBytes(IDXUint8, []uint32{60000}, nil)[:6], "offset 6", "file ends in the 1 dimensions"},
		{"missing dims", []byte{0, 0, 8, 3, 0, 0, 0, 1}, "offset 8", "file ends in the 3 dimensions"},
		{"overflowing dims", idxBytes(IDXUint8, []uint32{0xffffffff, 0xffffffff, 0xffffffff}, nil), "offset 8", "need more than"},
		{"overflowing float64 dims", idxBytes(IDXFloat64, []uint32{1 << 31, 1 << 31}, nil), "offset 4", "need more than"},
		{"lying count", idxBytes(IDXUint8, []uint32{60000, 28, 28}, []byte{1, 2, 3}), "offset 19", "file ends after 3 of the 47040000 data bytes"},
		{"truncated data", valid[:len(valid)-1], "offset 17", "file ends after 5 of the 6 data bytes"},
		{"trailing data", append(append([]byte(nil), valid...), 9, 9), "offset 18", "trailing bytes"},
		{"truncated float32", idxBytes(IDXFloat32, []uint32{2}, []byte{0, 0, 0, 0, 1, 2}), "offset 14", "file ends after 6 of the 8"},
		{"gzip header only", []byte{0x1f, 0x8b}, "offset 0", "gzip header"},
		{"gzip bad magic", gzipBytes(t, []byte{1, 2, 3, 4}), "decompressed offset 0", "bad magic"},
		{"gzip lying count", gzipBytes(t, idxBytes(IDXUint8, []uint32{1000}, []byte{1, 2})), "decompressed offset 10", "file ends after 2 of the 1000"},
		{"gzip trailing", gzipBytes(t, append(append([]byte(nil), valid...), 0)), "decompressed offset 18", "trailing bytes"},
		{"gzip truncated stream", gzipBytes(t, valid)[:20], `decompressed offset \d+`, "file ends"},
		{"gzip truncated trailer", func() []byte { b := gzipBytes(t, valid); return b[:len(b)-4] }(), "decompressed offset 18", "truncated gzip trailer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ReadIDX(bytes.NewReader(tc.input), "bad.idx")
			if err == nil {
				t.Fatalf("no error; read %v %v", m.Type, m.Dims)
			}
			var ie *IDXError
			if !errors.As(err, &ie) {
				t.Fatalf("error %T %v, want *IDXError", err, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "bad.idx: ") || !regexp.MustCompile(`: `+tc.offset+`: `).MatchString(msg) || !strings.Contains(msg, tc.msg) {
				t.Errorf("error %q\nwant the file name, %q and %q", msg, tc.offset, tc.msg)
			}
		})
	}
}

func TestReadIDXFileNames(t *testing.T) {
	dir := t.TempDir()
	// A gzip file without the .gz suffix is still read as gzip.
	p := writeFile(t, dir, "disguised.idx", gzipBytes(t, idxBytes(IDXUint8, []uint32{3}, []byte{7, 8, 9})))
	m, err := ReadIDXFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Float32s(); len(got) != 3 || got[2] != 9 || !m.Compressed {
		t.Errorf("read %v (compressed %v)", got, m.Compressed)
	}
	// A plain file named .gz is still read as plain.
	p = writeFile(t, dir, "plain.gz", idxBytes(IDXUint8, []uint32{1}, []byte{5}))
	if m, err := ReadIDXFile(p); err != nil || m.Compressed {
		t.Errorf("plain file named .gz: %v", err)
	}
	p = writeFile(t, dir, "short.idx", []byte{0, 0, 8, 1, 0, 0, 0, 5, 1})
	_, err = ReadIDXFile(p)
	if err == nil || !strings.Contains(err.Error(), p+": offset 9:") {
		t.Errorf("error %v, want it to name %s and offset 9", err, p)
	}
	_, err = ReadIDXFile(filepath.Join(dir, "missing"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestLoadIDX(t *testing.T) {
	dir := t.TempDir()
	images := idxBytes(IDXUint8, []uint32{3, 2, 2}, []byte{0, 255, 128, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	imgPath := writeFile(t, dir, "images", images)
	lblPath := writeFile(t, dir, "labels.gz", gzipBytes(t, idxBytes(IDXUint8, []uint32{3}, []byte{2, 0, 1})))
	ds, err := LoadIDX(imgPath, lblPath, 3)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 3 || ds.Dim() != 4 || ds.NumClasses != 3 || len(ds.Shape) != 2 {
		t.Fatalf("len %d dim %d classes %d shape %v", ds.Len(), ds.Dim(), ds.NumClasses, ds.Shape)
	}
	if ds.X[0] != 0 || ds.X[1] != 1 || ds.X[2] != float32(128)/255 {
		t.Errorf("pixels %v, want 0, 1, 128/255", ds.X[:3])
	}
	if ds.Labels[0] != 2 || ds.Labels[2] != 1 {
		t.Errorf("labels %v", ds.Labels)
	}

	f32 := idxBytes(IDXFloat32, []uint32{1, 1}, binary.BigEndian.AppendUint32(nil, math.Float32bits(42)))
	oneLabel := idxBytes(IDXUint8, []uint32{1}, []byte{0})
	ds, err = LoadIDX(writeFile(t, dir, "f32", f32), writeFile(t, dir, "one", oneLabel), 1)
	if err != nil || ds.X[0] != 42 {
		t.Errorf("float32 examples: %v, %v (want unscaled 42)", ds, err)
	}

	// Offsets into a compressed labels file count decompressed bytes.
	gzLabels := writeFile(t, dir, "bad-labels.gz", gzipBytes(t, idxBytes(IDXUint8, []uint32{3}, []byte{0, 7, 1})))
	_, err = LoadIDX(imgPath, gzLabels, 3)
	if err == nil || !strings.Contains(err.Error(), gzLabels+": decompressed offset 9: label 7 of example 1") {
		t.Errorf("error %v, want the decompressed offset of the bad label", err)
	}

	errTests := []struct {
		name           string
		images, labels []byte
		numClasses     int
		file, want     string
	}{
		{"count mismatch", images, idxBytes(IDXUint8, []uint32{2}, []byte{0, 1}), 3, "labels", "offset 4: 2 labels but"},
		{"label too large", images, idxBytes(IDXUint8, []uint32{3}, []byte{0, 1, 3}), 3, "labels", "offset 10: label 3 of example 2 outside [0, 3)"},
		{"negative label", images, idxBytes(IDXInt16, []uint32{3}, []byte{0, 0, 0xff, 0xff, 0, 1}), 3, "labels", "offset 10: label -1 of example 1"},
		{"float labels", images, idxBytes(IDXFloat32, []uint32{3}, make([]byte, 12)), 3, "labels", "offset 2: labels of type float32"},
		{"2-D labels", images, idxBytes(IDXUint8, []uint32{3, 1}, []byte{0, 1, 2}), 3, "labels", "offset 3: labels file has 2 dimensions"},
		{"1-D images", idxBytes(IDXUint8, []uint32{3}, []byte{0, 1, 2}), idxBytes(IDXUint8, []uint32{3}, []byte{0, 1, 2}), 3, "images", "offset 3: examples file has 1 dimension"},
		{"zero-size example", idxBytes(IDXUint8, []uint32{3, 0}, nil), idxBytes(IDXUint8, []uint32{3}, []byte{0, 1, 2}), 3, "images", "offset 8: example dimension 1 is 0"},
		{"truncated labels", images, idxBytes(IDXUint8, []uint32{3}, []byte{0, 1}), 3, "labels", "offset 10: file ends"},
		{"no classes", images, idxBytes(IDXUint8, []uint32{3}, []byte{0, 1, 2}), 0, "labels", "numClasses 0"},
	}
	for _, tc := range errTests {
		t.Run(tc.name, func(t *testing.T) {
			sub := t.TempDir()
			ip := writeFile(t, sub, "images", tc.images)
			lp := writeFile(t, sub, "labels", tc.labels)
			_, err := LoadIDX(ip, lp, tc.numClasses)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), filepath.Join(sub, tc.file)) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to name %s and say %q", err, tc.file, tc.want)
			}
		})
	}
}

// FuzzIDX feeds arbitrary bytes to the IDX reader: it must return an
// *IDXError or a file whose data matches its dimensions, never panic, and
// never allocate much beyond the input's size.
func FuzzIDX(f *testing.F) {
	f.Add(idxBytes(IDXUint8, []uint32{2, 2}, []byte{1, 2, 3, 4}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ReadIDX(bytes.NewReader(b), "fuzz.idx")
		if err != nil {
			var ie *IDXError
			if !errors.As(err, &ie) || ie.File != "fuzz.idx" || ie.Offset < 0 {
				t.Fatalf("error %T %v, want *IDXError naming the file", err, err)
			}
			return
		}
		want := m.Type.Size()
		for _, d := range m.Dims {
			want *= d
		}
		if len(m.Data) != want {
			t.Fatalf("dims %v type %v: %d data bytes, want %d", m.Dims, m.Type, len(m.Data), want)
		}
		if len(m.Float32s()) != m.Len() {
			t.Fatal("Float32s length differs from Len")
		}
		// Use the file as labels for made-up examples, or as examples for
		// made-up labels.
		var ds *Dataset
		if len(m.Dims) == 1 {
			n := m.Dims[0]
			ex := &IDX{Type: IDXUint8, Dims: []int{n, 1}, Data: make([]byte, n)}
			ds, err = idxDataset(ex, m, "ex", "fuzz.idx", 10)
		} else {
			n := m.Dims[0]
			if m.Len() == 0 && n > 1<<16 {
				return // an empty file claiming many examples; labels would be large
			}
			lb := &IDX{Type: IDXUint8, Dims: []int{n}, Data: make([]byte, n)}
			ds, err = idxDataset(m, lb, "fuzz.idx", "lb", 10)
		}
		if err != nil {
			var ie *IDXError
			if !errors.As(err, &ie) {
				t.Fatalf("dataset error %T %v, want *IDXError", err, err)
			}
			return
		}
		if err := ds.Validate(); err != nil {
			t.Fatalf("dataset from a valid file does not validate: %v", err)
		}
	})
}
