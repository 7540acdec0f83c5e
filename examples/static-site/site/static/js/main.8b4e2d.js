document.getElementById("root").textContent="Hello from eco";
