// A running solve's page keeps itself up to date without reloading: every two seconds it
// asks the job's state (the JSON the API gives) and moves the progress bar and the parts
// count; when the job ends, or a cancel is asked, it loads the page once more to show how
// it ended. Without script the page has a "Refresh" link instead.
"use strict";

(function () {
  const main = document.querySelector("[data-job-state]");
  if (!main) {
    return;
  }
  const stateUrl = main.dataset.jobState;
  const seen = main.dataset.jobStatus + "/" + main.dataset.jobCancel;

  function show(progress) {
    main.querySelectorAll("[data-progress]").forEach(function (field) {
      const value = progress[field.dataset.progress];
      if (value !== null && value !== undefined) {
        field.textContent = String(value);
      }
    });
    const bar = document.getElementById("parts");
    if (bar && progress.total) {
      bar.max = progress.total;
      bar.value = progress.done || 0;
    }
  }

  function tick() {
    fetch(stateUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (answer) {
        return answer.ok ? answer.json() : Promise.reject(answer.status);
      })
      .then(function (state) {
        if (!state.active || state.status + "/" + state.cancel_requested !== seen) {
          window.location.reload();
          return;
        }
        show(state.progress || {});
        window.setTimeout(tick, 2000);
      })
      .catch(function () {
        window.setTimeout(tick, 5000); // the server busy or restarting: ask again, less often
      });
  }

  window.setTimeout(tick, 2000);
})();
