-- Provenance of signals extracted by an LLM (issue 5): the version of
-- the prompt template (e.g. 'signals/1') and the SHA-256 of the prompt
-- actually sent (system and user messages and the output schema), so a
-- signal can be traced to exactly what the model was asked. Both stay
-- NULL for the embedded model, which has no prompt. The model itself is
-- in model_version ('ollama/llama3.1').
ALTER TABLE signals ADD COLUMN prompt_version text,
    ADD COLUMN prompt_hash text;
