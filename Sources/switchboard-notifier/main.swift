print("switchboard-notifier: not built yet (issue 3)")
