package store

import "fmt"

// The waiting list of an opportunity is its waitlisted sign-ups in the order
// they joined it: a sign-up's updated_at is when it last changed status, so a
// person who left and joined again waits behind those already waiting.
const waitlistOrder = "updated_at, id"

// waitingCounts counts the waitlisted sign-ups of each opportunity.
func (tx *Tx) waitingCounts(ids []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		OpportunityID int64
		N             int
	}
	err := tx.db.Model(&Signup{}).Select("opportunity_id, COUNT(*) AS n").
		Where("opportunity_id IN ? AND status = ?", ids, SignupWaitlisted).
		Group("opportunity_id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: count waiting lists: %w", err)
	}
	for _, r := range rows {
		out[r.OpportunityID] = r.N
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
