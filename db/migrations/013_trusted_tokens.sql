-- Trusted API tokens (statusctl token create --trusted): their subscriber
-- creates need no captcha and may skip confirmation.
ALTER TABLE api_tokens ADD COLUMN trusted boolean NOT NULL DEFAULT false;
