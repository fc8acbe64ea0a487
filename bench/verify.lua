-- POST jwt/verify/ with one valid access token.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"token":"' .. os.getenv("ACCESS") .. '"}'
