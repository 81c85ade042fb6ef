package store

import "fmt"

// The waiting list of an opportunity is its waitlisted sign-ups in the order
// they joined it: a sign-up's updated_at is when it last changed status, so a
// person who left and joined again waits behind those already waiting.
const waitlistOrder = "updated_at, id"

// signupCounts counts the registered and the waitlisted sign-ups of each
// opportunity, in one grouped query.
func (tx *Tx) signupCounts(ids []int64) (registered, waiting map[int64]int, err error) {
	registered, waiting = map[int64]int{}, map[int64]int{}
	if len(ids) == 0 {
		return registered, waiting, nil
	}
	var rows []struct {
		OpportunityID int64
		Status        string
		N             int
	}
	err = tx.db.Model(&Signup{}).Select("opportunity_id, status, COUNT(*) AS n").
		Where("opportunity_id IN ? AND status IN ?", ids, []string{SignupRegistered, SignupWaitlisted}).
		Group("opportunity_id, status").Scan(&rows).Error
	if err != nil {
		return nil, nil, fmt.Errorf("store: count sign-ups: %w", err)
	}
	for _, r := range rows {
		if r.Status == SignupRegistered {
			registered[r.OpportunityID] = r.N
		} else {
			waiting[r.OpportunityID] = r.N
		}
	}
	return registered, waiting, nil
}

// views joins opportunities with their sign-up counts.
func (tx *Tx) views(opps []Opportunity) ([]OpportunityView, error) {
	ids := make([]int64, len(opps))
	for i, o := range opps {
		ids[i] = o.ID
	}
	registered, waiting, err := tx.signupCounts(ids)
	if err != nil {
		return nil, err
	}
	out := make([]OpportunityView, len(opps))
	for i, o := range opps {
		out[i] = OpportunityView{Opportunity: o, Registered: registered[o.ID], Waitlisted: waiting[o.ID]}
	}
	return out, nil
}

// setPositions fills the place on its waiting list (1 is next) of each
// waitlisted sign-up in signups.
func (tx *Tx) setPositions(signups []Signup) error {
	for i := range signups {
		s := &signups[i]
		if s.Status != SignupWaitlisted {
			continue
		}
		var ahead int64
		err := tx.db.Model(&Signup{}).
			Where("opportunity_id = ? AND status = ? AND (updated_at < ? OR (updated_at = ? AND id < ?))",
				s.OpportunityID, SignupWaitlisted, s.UpdatedAt, s.UpdatedAt, s.ID).
			Count(&ahead).Error
		if err != nil {
			return fmt.Errorf("store: waiting list place of sign-up %d: %w", s.ID, err)
		}
		s.Position = int(ahead) + 1
	}
	return nil
}
