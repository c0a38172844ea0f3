package casework

import "context"

// maxUpdateAttempts bounds how often an update is retried after losing a
// race to another writer.
const maxUpdateAttempts = 8

// UpdateCase applies change to c and writes it on its version. When another
// write got there first (EConflict) it reads the case again and applies
// change to that, so no writer's update is lost. change reports whether it
// changed anything (nothing is written otherwise), or an error that stops
// the update. It returns the case as stored.
func UpdateCase(ctx context.Context, store CaseStore, c *Case, change func(*Case) (bool, error)) (*Case, error) {
	for range maxUpdateAttempts {
		changed, err := change(c)
		if err != nil {
			return nil, err
		}
		if !changed {
			return c, nil
		}
		if err = store.PutCase(ctx, c); ErrorCode(err) != EConflict {
			if err != nil {
				return nil, err
			}
			return c, nil
		}
		if c, err = store.GetCase(ctx, c.ID); err != nil {
			return nil, err
		}
	}
	return nil, keptChanging("The case %s kept changing.", c.ID)
}

// UpdateMessage is UpdateCase for a message.
func UpdateMessage(ctx context.Context, store MessageStore, m *Message, change func(*Message) bool) (*Message, error) {
	for range maxUpdateAttempts {
		if !change(m) {
			return m, nil
		}
		err := store.PutMessage(ctx, m)
		if ErrorCode(err) != EConflict {
			if err != nil {
				return nil, err
			}
			return m, nil
		}
		if m, err = store.GetMessage(ctx, m.CaseID, m.ID); err != nil {
			return nil, err
		}
	}
	return nil, keptChanging("The message %s kept changing.", m.ID)
}

// UpdateCustomer is UpdateCase for a customer.
func UpdateCustomer(ctx context.Context, store CustomerStore, c *Customer, change func(*Customer) bool) (*Customer, error) {
	for range maxUpdateAttempts {
		if !change(c) {
			return c, nil
		}
		err := store.PutCustomer(ctx, c)
		if ErrorCode(err) != EConflict {
			if err != nil {
				return nil, err
			}
			return c, nil
		}
		if c, err = store.GetCustomer(ctx, c.ID); err != nil {
			return nil, err
		}
	}
	return nil, keptChanging("The customer %s kept changing.", c.ID)
}
