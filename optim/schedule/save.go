package schedule

import (
	"encoding/json"
	"fmt"

	"github.com/descent-ml/descent/optim"
)

// ExtraKey is the key of optim.StateDict's Extra map under which a
// schedule's state is saved.
const ExtraKey = "schedule"

// Put stores s's state in sd.Extra[ExtraKey].
func Put(sd *optim.StateDict, s Scheduler) error {
	st, err := s.State()
	if err != nil {
		return err
	}
	if sd.Extra == nil {
		sd.Extra = map[string]json.RawMessage{}
	}
	sd.Extra[ExtraKey] = st
	return nil
}

// Get restores s from sd.Extra[ExtraKey]. It does not touch the
// optimizer, whose rates (and momentums) come back with its own state:
// load that first (LoadStateDict does both).
func Get(sd *optim.StateDict, s Scheduler) error {
	st, ok := sd.Extra[ExtraKey]
	if !ok {
		return fmt.Errorf("load schedule: the optimizer state holds no schedule")
	}
	return s.LoadState(st)
}

// StateDict returns opt's state with s's state in its Extra map, ready for
// Write or SaveFile.
func StateDict(opt optim.Optimizer, s Scheduler) (*optim.StateDict, error) {
	sd := opt.StateDict()
	if err := Put(sd, s); err != nil {
		return nil, err
	}
	return sd, nil
}

// LoadStateDict restores opt and s from sd (as written by StateDict):
// build both as for a fresh run, then load. Training then continues bit
// for bit as if it had not stopped.
func LoadStateDict(opt optim.Optimizer, s Scheduler, sd *optim.StateDict) error {
	if _, ok := sd.Extra[ExtraKey]; !ok {
		return fmt.Errorf("load schedule: the optimizer state holds no schedule")
	}
	if err := opt.LoadStateDict(sd); err != nil {
		return err
	}
	return Get(sd, s)
}
