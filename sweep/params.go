package sweep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Setting is one hyperparameter's value in a trial, as text: "0.01",
// "full", "adam:lr=0.001".
type Setting struct {
	Key, Value string
}

// Params are a trial's settings, in the order of the sweep's keys. In
// JSON they are one object, {"lr": 0.01, "act": "relu"}: numbers as
// numbers, true and false as booleans, other values as strings.
type Params []Setting

// Get returns the value of key and whether the trial sets it.
func (p Params) Get(key string) (string, bool) {
	for _, s := range p {
		if s.Key == key {
			return s.Value, true
		}
	}
	return "", false
}

// Number returns the value of key as a number, and whether it is one.
func (p Params) Number(key string) (float64, bool) {
	v, ok := p.Get(key)
	if !ok {
		return 0, false
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	return x, true
}

// String writes the settings as "lr=0.01, act=relu".
func (p Params) String() string {
	parts := make([]string, len(p))
	for i, s := range p {
		parts[i] = s.Key + "=" + s.Value
	}
	return strings.Join(parts, ", ")
}

// MarshalJSON writes the settings as one object, in order.
func (p Params) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, s := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(s.Key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		switch {
		case s.Value == "true" || s.Value == "false":
			b.WriteString(s.Value)
		case isJSONNumber(s.Value):
			b.WriteString(s.Value)
		default:
			v, err := json.Marshal(s.Value)
			if err != nil {
				return nil, err
			}
			b.Write(v)
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// isJSONNumber reports whether s is a number JSON writes as it is.
func isJSONNumber(s string) bool {
	if _, err := strconv.ParseFloat(s, 64); err != nil {
		return false
	}
	var n json.Number
	return json.Unmarshal([]byte(s), &n) == nil
}

// UnmarshalJSON reads the object MarshalJSON writes, keeping its order.
func (p *Params) UnmarshalJSON(data []byte) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	t, err := d.Token()
	if err != nil {
		return err
	}
	if t == nil {
		*p = nil
		return nil
	}
	if t != json.Delim('{') {
		return fmt.Errorf("sweep: params: want a JSON object, got %v", t)
	}
	var out Params
	for d.More() {
		kt, err := d.Token()
		if err != nil {
			return err
		}
		key, _ := kt.(string)
		vt, err := d.Token()
		if err != nil {
			return err
		}
		var v string
		switch x := vt.(type) {
		case json.Number:
			v = x.String()
		case bool:
			v = strconv.FormatBool(x)
		case string:
			v = x
		default:
			return fmt.Errorf("sweep: params: %q: want a number, boolean or string, got %v", key, vt)
		}
		out = append(out, Setting{key, v})
	}
	if _, err := d.Token(); err != nil {
		return err
	}
	*p = out
	return nil
}
