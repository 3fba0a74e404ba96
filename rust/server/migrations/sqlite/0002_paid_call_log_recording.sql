-- A paid call log row names its recording's file (the link apps get is signed when handed out).
ALTER TABLE paid_call_logs RENAME COLUMN url TO recording;
