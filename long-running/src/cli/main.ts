// Placeholder entry replaced in the foundation commit that follows.
console.log('enigma 0.1.0');
