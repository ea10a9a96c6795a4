-- True when membership_history holds nothing yet: it starts today, from what the day leaves.
SELECT NOT EXISTS (SELECT 1 FROM membership_history);
