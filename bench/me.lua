-- GET users/me/ with a Bearer access token.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("ACCESS")
